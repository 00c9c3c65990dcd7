"""Fixtures of the API v1 HTTP behaviour suite.

``api`` is a client of a fresh app over a private SQLite file. The storage reads time only
from ``clock``, which stands still until a test calls ``clock.advance(seconds)``.
``make_api(**transport_overrides)`` builds an app with other ``[transport]`` limits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import zaqar.conf
from zaqar import bootstrap

from .support import Api, Clock

MakeApi = Callable[..., Api]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_api(tmp_path: Path, clock: Clock) -> Iterator[MakeApi]:
    boots: list[Any] = []

    def make(**transport: Any) -> Api:
        conf = zaqar.conf.load([], default_config_files=[])
        uri = f"sqlite:///{tmp_path / f'zaqar{len(boots)}.sqlite'}"
        for group in ("drivers:message_store:sqlalchemy", "drivers:management_store:sqlalchemy"):
            conf.set_override("uri", uri, group=group)
        conf.set_override("purge_interval", 0, group="drivers:message_store:sqlalchemy")
        for name, value in transport.items():
            conf.set_override(name, value, group="transport")
        boot = bootstrap.Bootstrap(conf)
        boots.append(boot)
        store = boot.storage.store
        assert callable(store.clock), "the SQL store no longer reads time from store.clock"
        store.clock = clock
        return Api(boot.transport.app, boot)

    yield make
    for boot in boots:
        boot.close()


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    return make_api()
