"""Fixtures of the end-to-end suite: a real ``zaqar-server`` on loopback.

``server`` is one server per test module, backend and HTTP server: the default server on
SQLite, PostgreSQL, Redis and pooled over two SQLite files and Redis, and the other server
on SQLite and Redis (the storage suites carry the backends; these carry the servers), with
2 workers;
``make_client`` builds python-zaqarclient v1 clients against it.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.backends import BY_NAME, config_file_text

from .support import (
    DEFAULT_SERVER,
    PROJECT,
    SERVERS,
    SIGNED_URL_SECTION,
    MakeClient,
    ZaqarServer,
    pooled_server,
    server_env,
    v1_client,
)


@pytest.fixture(scope="session", autouse=True)
def _no_proxy_for_loopback() -> Iterator[None]:
    """python-zaqarclient uses requests, which honours proxy settings; loopback goes direct."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("NO_PROXY", "no_proxy"):
            patch.setenv(name, ",".join(filter(None, [os.environ.get(name), "127.0.0.1"])))
        yield


#: The backends the client suite runs on: the embedded default and a database server.
E2E_BACKENDS = ["sqlite", "postgresql", "redis"]
#: Pooling on, with three pools made through the server's admin API (``pooled_server``).
POOLED = "pooled-3"


#: (HTTP server, backend) pairs the client suite runs on.
SERVER_BACKENDS = [
    *[(DEFAULT_SERVER, name) for name in [*E2E_BACKENDS, POOLED]],
    *[
        (other, name)
        for other in SERVERS
        if other != DEFAULT_SERVER
        for name in ("sqlite", "redis")
    ],
]


@pytest.fixture(
    scope="module",
    params=SERVER_BACKENDS,
    ids=[f"{name}-{backend}" for name, backend in SERVER_BACKENDS],
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ZaqarServer]:
    """A zaqar-server with 2 workers on one backend, or pooled over three, shared by the
    tests of a module."""
    http_server, backend_name = request.param
    if backend_name == POOLED:
        with pooled_server(tmp_path_factory.mktemp("zaqar-e2e-pooled"), http_server) as pooled:
            yield pooled
        return
    backend = BY_NAME[backend_name]
    workdir = tmp_path_factory.mktemp(f"zaqar-e2e-{backend.name}")
    backend.reset(workdir)
    config = workdir / "zaqar-e2e.conf"
    config.write_text(config_file_text(backend, workdir) + SIGNED_URL_SECTION, encoding="utf-8")
    args = ["--config-file", str(config), "--bind", "127.0.0.1", "--workers", "2"]
    with ZaqarServer(workdir, args, env=server_env(workdir), server=http_server) as running:
        yield running


@pytest.fixture
def make_client(server: ZaqarServer) -> MakeClient:
    """``make_client(project=PROJECT, client_uuid=None)``: a v1 client of ``server``."""

    def make(project: str | None = PROJECT, client_uuid: str | None = None) -> Any:
        return v1_client(server.url, project=project, client_uuid=client_uuid)

    return make


@pytest.fixture
def cli(make_client: MakeClient) -> Any:
    """A v1 client of ``server`` in project ``e2e-project``."""
    return make_client()


@pytest.fixture
def queue_name(request: pytest.FixtureRequest) -> str:
    """A queue name no other test uses (the client's regex allows no dots)."""
    stem = re.sub(r"[^a-zA-Z0-9_-]", "-", request.node.name.removeprefix("test_"))[:40]
    return f"{stem}-{uuid.uuid4().hex[:8]}"
