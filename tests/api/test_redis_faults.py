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
from tests.faults import (
    BOUND,
    POST,
    assert_outage,
    assert_quick_outage,
    served,
    timed,
)
from tests.redis_servers import RedisProcess, private_redis, redis_conf
from zaqar import bootstrap

from .support import Api


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisProcess]:
    with private_redis(tmp_path) as server:
        yield server


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


def test_with_the_default_timeouts_a_stopped_redis_costs_each_request_little(
    redis_server: RedisProcess,
) -> None:
    boot = bootstrap.Bootstrap(default_conf(f"redis://127.0.0.1:{redis_server.port}/0"))
    api = Api(boot.transport.app, boot)
    try:
        assert timed(api, "PUT", "/v1/queues/q")[0] == 201
        assert timed(api, "POST", "/v1/queues/q/messages", **POST)[0] == 201

        redis_server.stop()
        assert_quick_outage(api)

        redis_server.start()
        assert timed(api, "GET", "/v1/health")[0] == 204
        started = time.monotonic()
        assert served(api, "PUT", "/v1/queues/q")[0] == 201
        assert time.monotonic() - started < 1.5, "the breaker held requests off too long"
        assert timed(api, "POST", "/v1/queues/q/messages", **POST)[0] == 201
    finally:
        boot.close()
