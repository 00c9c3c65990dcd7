"""A Redis server that goes away and comes back: 503 while it is gone, then recovery.

The test runs its own redis-server on a free loopback port, stops it mid-run and starts it
again on the same port; the app is never restarted. Most tests give up quickly
(``redis_conf``); one keeps every default, which must answer a stopped server within
``DEFAULT_BOUND``.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import zaqar.conf
from tests.faults import BOUND, DEFAULT_BOUND, POST, assert_outage, free_port, served, timed
from tests.redis_servers import REDIS_SERVER, RedisProcess, redis_conf
from zaqar import bootstrap

from .support import Api


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisProcess]:
    if REDIS_SERVER is None:
        pytest.fail("redis-server is not installed")
    server = RedisProcess(free_port(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def api(redis_server: RedisProcess) -> Iterator[Api]:
    boot = bootstrap.Bootstrap(redis_conf(f"redis://127.0.0.1:{redis_server.port}/0"))
    try:
        yield Api(boot.transport.app, boot)
    finally:
        boot.close()


def test_requests_get_503_while_redis_is_down_and_succeed_once_it_is_back(
    api: Api, redis_server: RedisProcess
) -> None:
    assert timed(api, "PUT", "/v1/queues/q")[0] == 201
    assert timed(api, "POST", "/v1/queues/q/messages", **POST)[0] == 201

    redis_server.stop()
    assert_outage(api)

    redis_server.start()
    # This test's server keeps nothing on disk: the queue is gone, the service is back.
    assert timed(api, "GET", "/v1/health")[0] == 204
    assert served(api, "PUT", "/v1/queues/q")[0] == 201
    assert timed(api, "POST", "/v1/queues/q/messages", **POST)[0] == 201


def test_a_redis_server_that_stops_answering_costs_a_bounded_503(
    api: Api, redis_server: RedisProcess
) -> None:
    assert timed(api, "PUT", "/v1/queues/q")[0] == 201
    assert redis_server.process is not None
    redis_server.process.send_signal(signal.SIGSTOP)  # accepts connections, never answers
    try:
        status, elapsed, body = timed(api, "GET", "/v1/queues/q/stats")
        assert status == 503, body
        assert elapsed < BOUND, f"a hung server held the request for {elapsed:.1f}s"
    finally:
        redis_server.process.send_signal(signal.SIGCONT)
    assert served(api, "GET", "/v1/queues/q/stats")[0] == 200


def default_conf(uri: str) -> Any:
    """Both stores on Redis at ``uri``, every other option at its default."""
    conf = zaqar.conf.load([], default_config_files=[])
    conf.set_override("message_store", "redis", group="drivers")
    conf.set_override("management_store", "redis", group="drivers")
    for group in ("drivers:message_store:redis", "drivers:management_store:redis"):
        conf.set_override("uri", uri, group=group)
    return conf


#: One of each kind of request a stopped store must answer quickly.
REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("PUT", "/v1/queues/q2", {}),
    ("POST", "/v1/queues/q/messages", POST),
    ("GET", "/v1/queues/q/messages?echo=true", {}),
    ("POST", "/v1/queues/q/claims", {"json": {"ttl": 60, "grace": 60}}),
    ("GET", "/v1/queues/q/stats", {}),
    ("PUT", "/v1/queues/q/metadata", {"json": {"a": 1}}),
    ("DELETE", "/v1/queues/q", {}),
]


def test_with_the_default_timeouts_a_stopped_redis_costs_each_request_little(
    redis_server: RedisProcess,
) -> None:
    boot = bootstrap.Bootstrap(default_conf(f"redis://127.0.0.1:{redis_server.port}/0"))
    api = Api(boot.transport.app, boot)
    try:
        assert timed(api, "PUT", "/v1/queues/q")[0] == 201
        assert timed(api, "POST", "/v1/queues/q/messages", **POST)[0] == 201

        redis_server.stop()
        # The first request finds Redis away and opens the breaker; the next ones are held
        # off; after the open period a probe goes to Redis again, and is refused again.
        for _ in range(2):
            for method, path, kwargs in REQUESTS:
                status, elapsed, body = timed(api, method, path, **kwargs)
                assert status == 503, (method, path, body)
                assert elapsed < DEFAULT_BOUND, f"{method} {path} took {elapsed:.2f}s"
            time.sleep(1.1)
        status, elapsed, _ = timed(api, "GET", "/v1/health")
        assert status == 503 and elapsed < DEFAULT_BOUND

        redis_server.start()
        assert timed(api, "GET", "/v1/health")[0] == 204
        started = time.monotonic()
        assert served(api, "PUT", "/v1/queues/q")[0] == 201
        assert time.monotonic() - started < 1.5, "the breaker held requests off too long"
        assert timed(api, "POST", "/v1/queues/q/messages", **POST)[0] == 201
    finally:
        boot.close()
