"""A PostgreSQL server that goes away and comes back: 503 while it is gone, then recovery.

The test runs a private PostgreSQL cluster (initdb into its own folder, as the ``postgres``
system user because the server refuses to run as root) on a free loopback port, stops it
mid-run and starts it again; the app is never restarted. One test keeps every timeout at its
default, which must answer a stopped server within ``DEFAULT_BOUND``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import zaqar.conf
from tests.faults import (
    POST,
    assert_outage,
    assert_quick_outage,
    free_port,
    served,
    timed,
)
from zaqar import bootstrap

from .support import Api

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


class PrivatePostgres:
    def __init__(self, folder: Path) -> None:
        self.bin = Path(BINARIES[-1])
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running private cluster, stopped and removed afterwards."""
    if not BINARIES:
        pytest.fail("PostgreSQL server binaries are not installed")
    # Not under pytest's temporary folder: the postgres user cannot enter root's.
    folder = Path(tempfile.mkdtemp(prefix="zaqar-pg-"))
    server = PrivatePostgres(folder)
    try:
        server.init()
        server.start()
        yield server
    finally:
        try:
            server.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped, or never started
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


_GROUPS = ("drivers:message_store:sqlalchemy", "drivers:management_store:sqlalchemy")


def postgres_conf(postgres: PrivatePostgres, **options: Any) -> Any:
    conf = zaqar.conf.load([], default_config_files=[])
    uri = f"postgresql+psycopg://postgres@127.0.0.1:{postgres.port}/postgres"
    for group in _GROUPS:
        conf.set_override("uri", uri, group=group)
        for name, value in options.items():
            conf.set_override(name, value, group=group)
    # No background purge: it would talk to the server behind the test's back.
    conf.set_override("purge_interval", 0, group=_GROUPS[0])
    return conf


@pytest.fixture
def api(postgres: PrivatePostgres) -> Iterator[Api]:
    boot = bootstrap.Bootstrap(postgres_conf(postgres, timeout=1.0))
    try:
        yield Api(boot.transport.app, boot)
    finally:
        boot.close()


def test_requests_get_503_while_postgresql_is_down_and_succeed_once_it_is_back(
    api: Api, postgres: PrivatePostgres
) -> None:
    assert timed(api, "PUT", "/v1/queues/q")[0] == 201
    assert timed(api, "POST", "/v1/queues/q/messages", **POST)[0] == 201

    postgres.stop()
    assert_outage(api)

    postgres.start()
    # The data survived the restart, and the same app serves it without a restart.
    assert timed(api, "GET", "/v1/health")[0] == 204
    status, body = served(api, "GET", "/v1/queues/q/stats")
    assert status == 200 and body["messages"]["total"] == 1
    assert timed(api, "POST", "/v1/queues/q/messages", **POST)[0] == 201


def test_with_the_default_timeouts_a_stopped_postgresql_costs_each_request_little(
    postgres: PrivatePostgres,
) -> None:
    boot = bootstrap.Bootstrap(postgres_conf(postgres))
    api = Api(boot.transport.app, boot)
    try:
        assert timed(api, "PUT", "/v1/queues/q")[0] == 201
        assert timed(api, "POST", "/v1/queues/q/messages", **POST)[0] == 201

        postgres.stop()
        assert_quick_outage(api)

        postgres.start()
        assert timed(api, "GET", "/v1/health")[0] == 204
        status, body = served(api, "GET", "/v1/queues/q/stats", within=1.5)
        assert status == 200 and body["messages"]["total"] == 1
        assert timed(api, "POST", "/v1/queues/q/messages", **POST)[0] == 201
    finally:
        boot.close()
