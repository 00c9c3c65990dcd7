"""Fixtures of the security suite: the whole WSGI stack (``Driver.wsgi``), not just Falcon.

``make_stack(backend="sqlite", **overrides)`` builds the service a server runs (request id,
CORS, keystone when asked, then the Falcon app) over private storage; ``overrides`` maps
``"group.option"`` to a value. ``keystone`` is keystonemiddleware's own ``AuthTokenFixture``:
tokens added to it are the only valid ones, and no identity service is ever contacted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from keystonemiddleware import fixture as keystone_fixture

import zaqar.conf
from tests.api.support import Api
from tests.backends import BY_NAME
from tests.clock import Clock
from zaqar import bootstrap

MakeStack = Callable[..., Api]

#: Where auth_token says clients should authenticate (never contacted by these tests).
IDENTITY_URI = "http://127.0.0.1:9/identity/v3"


def keystone_overrides(**extra: Any) -> dict[str, Any]:
    return {
        "DEFAULT.auth_strategy": "keystone",
        "keystone_authtoken.www_authenticate_uri": IDENTITY_URI,
        **extra,
    }


def _register_keystone_options(conf: Any) -> None:
    # auth_token registers these itself when the stack is built; overrides need them first.
    from keystonemiddleware.auth_token import _opts

    for group, opts in _opts.list_opts():
        conf.register_opts(opts, group=group)


@pytest.fixture
def make_stack(tmp_path: Path) -> Iterator[MakeStack]:
    boots: list[Any] = []
    clock = Clock()

    def make(backend: str = "sqlite", **overrides: Any) -> Api:
        chosen = BY_NAME[backend]
        directory = tmp_path / f"{backend}-{len(boots)}"
        directory.mkdir()
        conf = zaqar.conf.load([], default_config_files=[])
        chosen.prepare(conf, directory)
        if any(key.startswith("keystone_authtoken.") for key in overrides):
            _register_keystone_options(conf)
        if any(key.startswith("oslo_policy.") for key in overrides):
            from oslo_policy import opts as policy_opts

            for group, options in policy_opts.list_opts():
                conf.register_opts(options, group=group)
        if any(key.startswith("cors.") for key in overrides):
            from oslo_middleware import cors

            # The CORS layer registers these itself; overrides need them first.
            conf.register_opts(cors.OPTS, group="cors")
        for key, value in overrides.items():
            group, name = key.split(".", 1)
            conf.set_override(name, value, group=group)
        boot = bootstrap.Bootstrap(conf)
        boots.append(boot)
        chosen.set_clock(boot.storage, clock)
        return Api(boot.transport.wsgi, boot)

    yield make
    for boot in boots:
        boot.close()


@pytest.fixture
def keystone() -> Iterator[keystone_fixture.AuthTokenFixture]:
    fixture = keystone_fixture.AuthTokenFixture()
    fixture.setUp()
    try:
        yield fixture
    finally:
        fixture.cleanUp()
