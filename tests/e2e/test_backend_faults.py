"""A backend that dies or hangs under a real server, under each HTTP server.

Each test runs its own redis-server (or PostgreSQL cluster) on a free loopback port and a
zaqar-server (2 workers) on it, with the default timeouts, and takes the backend away while
clients use the service:

* killed (Redis) or stopped (PostgreSQL): every request gets its 503 within 1.5 s, and the
  service recovers;
* SIGSTOPped while clients post: no message answered 503 is stored once Redis resumes, and
  every message answered 201 is.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_postgresql_faults import private_postgres
from tests.redis_servers import RedisProcess, private_redis

from .support import SERVERS, ZaqarServer, server_env

pytestmark = pytest.mark.e2e

PROJECT = "faults"
#: The longest a request may take while its backend is down (the issue's bound).
DOWN_BOUND = 1.5


class Client:
    """One HTTP/1.1 connection per request, with a timeout, to a zaqar-server."""

    def __init__(self, server: ZaqarServer, timeout: float = 15.0) -> None:
        self.port = server.port
        self.timeout = timeout
        self.headers = {"X-Project-ID": PROJECT, "Client-ID": str(uuid.uuid4())}

    def request(self, method: str, path: str, document: Any = None) -> tuple[int, Any, float]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        began = time.monotonic()
        try:
            headers = dict(self.headers)
            body = None
            if document is not None:
                body = json.dumps(document)
                headers["Content-Type"] = "application/json"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            return response.status, json.loads(raw) if raw else None, time.monotonic() - began
        finally:
            connection.close()


def redis_config(port: int) -> str:
    uri = f"redis://127.0.0.1:{port}/0"
    return (
        "[drivers]\nmessage_store = redis\nmanagement_store = redis\n"
        f"[drivers:message_store:redis]\nuri = {uri}\n"
        f"[drivers:management_store:redis]\nuri = {uri}\n"
    )


def postgresql_config(port: int) -> str:
    uri = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    return (
        f"[drivers:message_store:sqlalchemy]\nuri = {uri}\npurge_interval = 0\n"
        f"[drivers:management_store:sqlalchemy]\nuri = {uri}\n"
    )


@contextlib.contextmanager
def serving(workdir: Path, http_server: str, config_text: str) -> Iterator[ZaqarServer]:
    """A zaqar-server (2 workers) under ``http_server`` with ``config_text`` as its config."""
    config = workdir / "zaqar-faults.conf"
    config.write_text(config_text, encoding="utf-8")
    args = ["--config-file", str(config), "--bind", "127.0.0.1", "--workers", "2"]
    with ZaqarServer(workdir, args, env=server_env(workdir), server=http_server) as server:
        yield server


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisProcess]:
    with private_redis(tmp_path / "redis") as server:
        yield server


@pytest.fixture(params=SERVERS)
def zaqar(
    request: pytest.FixtureRequest, tmp_path: Path, redis_server: RedisProcess
) -> Iterator[ZaqarServer]:
    with serving(tmp_path, request.param, redis_config(redis_server.port)) as server:
        yield server


def assert_quick_outage(client: Client) -> None:
    slowest = 0.0
    for _ in range(5):
        for method, path, document in [
            ("PUT", "/v1/queues/q2", None),
            ("POST", "/v1/queues/q/messages", [{"ttl": 300, "body": 1}]),
            ("GET", "/v1/queues/q/stats", None),
            ("GET", "/v1/health", None),
        ]:
            status, body, took = client.request(method, path, document)
            assert status == 503, (method, path, status, body)
            slowest = max(slowest, took)
    assert slowest < DOWN_BOUND, f"the slowest 503 took {slowest:.2f} s"


def assert_recovery(client: Client) -> None:
    """Each worker's breaker lets a probe through once its open period (1 s) is over: within
    a few seconds every request is served again."""
    recovered_in_a_row, deadline = 0, time.monotonic() + 10
    while recovered_in_a_row < 20 and time.monotonic() < deadline:
        status = client.request("PUT", "/v1/queues/q")[0]
        recovered_in_a_row = recovered_in_a_row + 1 if status in (201, 204) else 0
        time.sleep(0.05)
    assert recovered_in_a_row == 20, "the service did not come back within 10 s"
    assert client.request("POST", "/v1/queues/q/messages", [{"ttl": 300, "body": 2}])[0] == 201


def assert_outage_and_recovery(
    zaqar: ZaqarServer, stop: Callable[[], None], start: Callable[[], None]
) -> None:
    """Quick 503s while the backend is down (``stop``), service again once it is back."""
    client = Client(zaqar)
    assert client.request("PUT", "/v1/queues/q")[0] == 201
    stop()
    assert_quick_outage(client)
    start()
    assert_recovery(client)


def test_with_redis_killed_every_request_gets_a_quick_503_and_then_recovers(
    zaqar: ZaqarServer, redis_server: RedisProcess
) -> None:
    assert_outage_and_recovery(zaqar, redis_server.stop, redis_server.start)


@pytest.mark.parametrize("http_server", SERVERS)
def test_with_postgresql_stopped_every_request_gets_a_quick_503_and_then_recovers(
    tmp_path: Path, http_server: str
) -> None:
    with (
        private_postgres() as postgres,
        serving(tmp_path, http_server, postgresql_config(postgres.port)) as zaqar,
    ):
        assert_outage_and_recovery(zaqar, postgres.stop, postgres.start)


def test_a_post_answered_503_is_never_stored_once_a_hung_redis_resumes(
    zaqar: ZaqarServer, redis_server: RedisProcess
) -> None:
    """4 clients post one message at a time while Redis is stopped (SIGSTOP) for longer
    than the socket timeout, then resumed. Afterwards each message answered 201 is in the
    queue, none answered 503 is, and any answered 504 (outcome unknown) names its id."""
    assert Client(zaqar).request("PUT", "/v1/queues/hung")[0] == 201
    outcomes: dict[str, int] = {}
    unknown_ids: dict[str, list[str]] = {}
    stop = threading.Event()
    lock = threading.Lock()

    def post(worker: int) -> None:
        client = Client(zaqar)
        sent = 0
        while not stop.is_set() and sent < 2000:
            label = f"{worker}-{sent}"
            sent += 1
            try:
                status, body, _ = client.request(
                    "POST", "/v1/queues/hung/messages", [{"ttl": 600, "body": label}]
                )
            except OSError:
                status, body = 0, None  # no answer at all: the outcome is unknown
            with lock:
                outcomes[label] = status
                if status == 504:
                    unknown_ids[label] = [href.rsplit("/", 1)[1] for href in body["resources"]]

    posters = [threading.Thread(target=post, args=(n,)) for n in range(4)]
    for thread in posters:
        thread.start()
    try:
        time.sleep(1.0)
        assert redis_server.process is not None
        redis_server.process.send_signal(signal.SIGSTOP)
        time.sleep(7.0)  # past the 5 s socket timeout
        redis_server.process.send_signal(signal.SIGCONT)
        time.sleep(2.0)
    finally:
        stop.set()
        for thread in posters:
            thread.join(60)
    assert not any(thread.is_alive() for thread in posters)

    stored = set()
    client = Client(zaqar)
    path = "/v1/queues/hung/messages?echo=true&limit=10"
    while True:
        status, page, _ = client.request("GET", path)
        if status == 204:
            break
        assert status == 200, (status, page)
        stored.update(message["body"] for message in page["messages"])
        path = next(link["href"] for link in page["links"] if link["rel"] == "next")
    counts = {
        status: sum(1 for s in outcomes.values() if s == status)
        for status in set(outcomes.values())
    }
    assert 503 in counts or 504 in counts, f"the outage was not seen: {counts}"
    answered_201 = {label for label, status in outcomes.items() if status == 201}
    answered_503 = {label for label, status in outcomes.items() if status == 503}
    assert answered_201 <= stored, f"201 but missing: {sorted(answered_201 - stored)[:5]}"
    assert not (answered_503 & stored), f"503 but stored: {sorted(answered_503 & stored)[:5]}"
    assert set(outcomes.values()) <= {201, 503, 504}, counts
    assert all(len(ids) == 1 for ids in unknown_ids.values())
