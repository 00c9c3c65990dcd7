"""Helpers of the end-to-end suite (the fixtures live in ``conftest.py``).

``ZaqarServer`` starts the ``zaqar-server`` console script installed next to the running
interpreter as a subprocess, waits for ``GET /v1/health`` to answer 204, and stops it with
SIGTERM (SIGKILL to its process group after a grace period).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.faults import free_port  # noqa: F401 - re-exported for the suite

#: The console script of the virtualenv that runs the tests.
ZAQAR_SERVER = Path(sys.executable).parent / "zaqar-server"

#: The HTTP servers zaqar-server runs under; the first is the default.
SERVERS = ("gunicorn", "granian")
DEFAULT_SERVER = SERVERS[0]

#: The project the clients of this suite use unless a test asks for another.
PROJECT = "e2e-project"

#: How long a server may take to answer its health check.
START_TIMEOUT = 20.0
#: How long a server may take to exit after SIGTERM before it is killed.
STOP_TIMEOUT = 5.0

MakeClient = Callable[..., Any]

# Loopback requests must never go through a proxy configured in the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


#: Every e2e server can share queues (pre-signed URLs).
SIGNED_URL_SECTION = "\n[signed_url]\nsecret_key = e2e-signing-key\n"


def write_config(directory: Path, database: Path) -> Path:
    """A zaqar.conf keeping both stores in ``database``, with the background purge off."""
    uri = f"sqlite:///{database}"
    config = directory / "zaqar-e2e.conf"
    config.write_text(
        "[drivers:message_store:sqlalchemy]\n"
        f"uri = {uri}\n"
        "purge_interval = 0\n"
        "\n"
        "[drivers:management_store:sqlalchemy]\n"
        f"uri = {uri}\n",
        encoding="utf-8",
    )
    return config


def http_status(url: str, method: str = "GET", timeout: float = 2.0) -> int:
    """The status of one request to ``url`` (HTTP errors are statuses, not exceptions)."""
    request = urllib.request.Request(url, method=method)
    try:
        with _DIRECT.open(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def child_pids(pid: int) -> set[int]:
    """Pids of the live children of ``pid``, read from /proc.

    Uses ``/proc/<pid>/task/*/children`` when the kernel provides it, otherwise scans the
    parent pid field of every ``/proc/<n>/stat``.
    """
    children: set[int] = set()
    task_files = list(Path(f"/proc/{pid}/task").glob("*/children"))
    if task_files:
        for path in task_files:
            try:
                children.update(int(word) for word in path.read_text().split())
            except OSError:
                continue
        return {child for child in children if is_alive(child)}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command name: state, ppid, ...
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
            children.add(int(entry.name))
    return children


def is_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is neither a zombie nor dead."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


class ZaqarServer:
    """One ``zaqar-server`` subprocess, its working directory and its log."""

    def __init__(
        self,
        workdir: Path,
        args: Sequence[str] = (),
        *,
        port: int | None = None,
        env: Mapping[str, str] | None = None,
        server: str | None = None,
    ) -> None:
        self.workdir = workdir
        #: The HTTP server under the app (None: the configured default).
        self.server = server
        self.port = port if port is not None else free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "zaqar-server.log"
        self.command = [str(ZAQAR_SERVER), *args, "--port", str(self.port)]
        if server is not None:
            self.command += ["--server", server]
        self.env = dict(os.environ if env is None else env)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None, "the server was not started"
        return self.process.pid

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "<no log>"

    def start(self) -> ZaqarServer:
        assert ZAQAR_SERVER.exists(), f"{ZAQAR_SERVER} is not installed"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.workdir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self.wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def wait_healthy(self, timeout: float = START_TIMEOUT) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"zaqar-server exited with {self.process.returncode} before answering "
                    f"its health check; command {self.command}; log:\n{self.log()}"
                )
            try:
                status = http_status(f"{self.url}/v1/health")
            except OSError as error:
                last = repr(error)
            else:
                if status == 204:
                    return
                last = f"status {status}"
            time.sleep(0.1)
        pytest.fail(
            f"zaqar-server did not answer GET /v1/health with 204 within {timeout} s "
            f"(last: {last}); command {self.command}; log:\n{self.log()}"
        )

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            # The server was started in its own session: its group holds only its workers.
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=STOP_TIMEOUT)

    def __enter__(self) -> ZaqarServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def server_env(home: Path, **overrides: str) -> dict[str, str]:
    """The test process environment with HOME moved and no WEB_CONCURRENCY, plus overrides."""
    env = {key: value for key, value in os.environ.items() if key != "WEB_CONCURRENCY"}
    env["HOME"] = str(home)
    env.update(overrides)
    return env


def v1_client(url: str, project: str | None = PROJECT, client_uuid: str | None = None) -> Any:
    """A python-zaqarclient v1 client using the noauth backend."""
    from zaqarclient.queues import client  # type: ignore[import-untyped]

    options = {} if project is None else {"os_project_id": project}
    conf: dict[str, Any] = {"auth_opts": {"backend": "noauth", "options": options}}
    if client_uuid is not None:
        conf["client_uuid"] = client_uuid
    return client.Client(url, version=1, conf=conf)


# -- a pooled deployment -------------------------------------------------------------------

#: The pools of ``pooled_server``, all taking new queues alike.
POOL_NAMES = ("sqlite-a", "sqlite-b", "redis")


def http_json(url: str, method: str, document: Any = None, timeout: float = 10.0) -> int:
    """The status of one request with a JSON body (HTTP errors are statuses)."""
    data = None if document is None else json.dumps(document).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with _DIRECT.open(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


#: v2's admin rules opened to any caller: python-zaqarclient's noauth sessions send no roles.
OPEN_ADMIN_POLICY = (
    '"health:get": ""\n'
    + "".join(
        f'"pools:{action}": ""\n' for action in ("get_all", "create", "get", "update", "delete")
    )
    + "".join(f'"flavors:{action}": ""\n' for action in ("create", "update", "delete"))
)


def write_pooled_config(directory: Path) -> Path:
    """A zaqar.conf with pooling and admin_mode on and a SQLite management store; v2's
    admin rules are open (``OPEN_ADMIN_POLICY``)."""
    catalogue = f"sqlite:///{directory / 'catalogue.sqlite'}"
    policy = directory / "policy.yaml"
    policy.write_text(OPEN_ADMIN_POLICY, encoding="utf-8")
    config = directory / "zaqar-e2e-pooled.conf"
    config.write_text(
        "[DEFAULT]\n"
        "pooling = True\n"
        "admin_mode = True\n"
        "\n"
        "[oslo_policy]\n"
        f"policy_file = {policy}\n"
        "\n"
        "[drivers]\n"
        "message_store = sqlalchemy\n"
        "management_store = sqlalchemy\n"
        "\n"
        "[drivers:management_store:sqlalchemy]\n"
        f"uri = {catalogue}\n" + SIGNED_URL_SECTION,
        encoding="utf-8",
    )
    return config


@contextlib.contextmanager
def pooled_server(workdir: Path, server: str | None = None) -> Iterator[ZaqarServer]:
    """A zaqar-server (2 workers) with pooling on and three pools, created through its own
    admin API: two SQLite files and the test Redis server under a key prefix of its own,
    whose keys are deleted at the end."""
    import redis

    from tests.backends import REDIS_URL, unreachable

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        unreachable("redis", error)
    prefix = f"zaqar-e2e-pooled-{os.getpid()}-{workdir.name}"
    pools = {
        "sqlite-a": {"uri": f"sqlite:///{workdir / 'pool-a.sqlite'}"},
        "sqlite-b": {"uri": f"sqlite:///{workdir / 'pool-b.sqlite'}"},
        "redis": {"uri": REDIS_URL, "options": {"prefix": prefix}},
    }
    args = ["--config-file", str(write_pooled_config(workdir)), "--bind", "127.0.0.1"]
    try:
        command = [*args, "--workers", "2"]
        with ZaqarServer(workdir, command, env=server_env(workdir), server=server) as running:
            for name in POOL_NAMES:
                body = {"weight": 1, **pools[name]}
                if name.startswith("sqlite"):
                    body["options"] = {"purge_interval": 0}
                status = http_json(f"{running.url}/v1/pools/{name}", "PUT", body)
                assert status == 201, f"PUT /v1/pools/{name}: {status}; log:\n{running.log()}"
            yield running
    finally:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
        client.close()
