"""Fixtures of the API v1 HTTP behaviour suite.

``api`` is a client of a fresh app over private storage, once per backend of
``versions.BACKENDS`` (one SQL store, Redis and a pooled deployment: the storage conformance
suite carries every driver, these suites the HTTP behaviour). The storage reads time only
from ``clock``, which stands still until a test calls ``clock.advance(seconds)``.
``make_api(**transport_overrides)`` builds an app with other ``[transport]`` limits.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import zaqar.conf
from tests.backends import BY_NAME, REDIS_URL, Backend, unreachable
from zaqar import bootstrap

from .support import Api, Clock
from .versions import BACKENDS

MakeApi = Callable[..., Api]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    return BY_NAME[request.param]


@pytest.fixture
def make_api(backend: Backend, tmp_path: Path, clock: Clock) -> Iterator[MakeApi]:
    """Apps over one private storage; each may set other ``[transport]`` options."""
    boots: list[Any] = []
    backend.reset(tmp_path)

    def make(*, admin_mode: bool = False, enable_checksum: bool = False, **transport: Any) -> Api:
        conf = zaqar.conf.load([], default_config_files=[])
        backend.configure(conf, tmp_path)
        conf.set_override("admin_mode", admin_mode, group="DEFAULT")
        conf.set_override("enable_checksum", enable_checksum, group="DEFAULT")
        for name, value in transport.items():
            conf.set_override(name, value, group="transport")
        boot = bootstrap.Bootstrap(conf)
        boots.append(boot)
        backend.set_clock(boot.storage, clock)
        return Api(boot.transport.app, boot)

    yield make
    for boot in boots:
        boot.close()


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    return make_api()


MakePooled = Callable[..., Api]


def configure_pooled(conf: Any, tmp_path: Path, overrides: dict[str, Any]) -> None:
    catalogue = f"sqlite:///{tmp_path / 'catalogue.sqlite'}"
    for group in ("drivers:message_store:sqlalchemy", "drivers:management_store:sqlalchemy"):
        conf.set_override("uri", catalogue, group=group)
    conf.set_override("purge_interval", 0, group="drivers:message_store:sqlalchemy")
    for key, value in overrides.items():
        group, name = key.split(".", 1)
        conf.set_override(name, value, group=group)


@pytest.fixture
def make_pooled(tmp_path: Path) -> Iterator[MakePooled]:
    """``make_pooled(**{"group.option": value})``: the Falcon app of a deployment with
    ``admin_mode`` and ``pooling`` on (unless overridden), over the SQLite catalogue in
    ``tmp_path``; apps made in one test share it."""
    boots: list[bootstrap.Bootstrap] = []

    def make(**overrides: Any) -> Api:
        conf = zaqar.conf.load([], default_config_files=[])
        configure_pooled(
            conf, tmp_path, {"DEFAULT.admin_mode": True, "DEFAULT.pooling": True, **overrides}
        )
        boot = bootstrap.Bootstrap(conf)
        boots.append(boot)
        return Api(boot.transport.app, boot)

    yield make
    for boot in boots:
        boot.close()


@pytest.fixture
def redis_prefix(tmp_path: Path) -> Iterator[str]:
    """A key prefix on the test Redis server of this test's own; its keys go afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        unreachable("redis", error)
    prefix = f"zaqar-test-pools-{os.getpid()}-{tmp_path.name}"
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
