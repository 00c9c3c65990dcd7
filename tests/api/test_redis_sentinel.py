"""Redis behind a sentinel: the service follows a fail-over without a restart.

The test runs its own master, replica and sentinel on free loopback ports, posts through
the app, kills the master and keeps asking until the sentinel has promoted the replica.
Meanwhile every answer is a 503 within the bound, never a 500 or a hang; afterwards the
replicated messages are there and new ones are accepted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults import BOUND, POST, timed
from tests.redis_servers import REDIS_SERVER, RedisWithSentinel, cli, redis_conf
from zaqar import bootstrap

from .support import Api


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[RedisWithSentinel]:
    if REDIS_SERVER is None:
        pytest.fail("redis-server is not installed")
    servers = RedisWithSentinel(tmp_path)
    servers.start()
    try:
        yield servers
    finally:
        servers.stop()


@pytest.fixture
def api(servers: RedisWithSentinel) -> Iterator[Api]:
    boot = bootstrap.Bootstrap(redis_conf(servers.uri(db=2)))
    try:
        yield Api(boot.transport.app, boot)
    finally:
        boot.close()


def test_the_service_follows_a_sentinel_fail_over_without_a_restart(
    api: Api, servers: RedisWithSentinel
) -> None:
    assert timed(api, "PUT", "/v1/queues/q")[0] == 201
    for _ in range(3):
        assert timed(api, "POST", "/v1/queues/q/messages", **POST)[0] == 201
    # Fail-over keeps what reached the replica: wait until it has everything.
    assert cli(servers.master.port, "wait", "1", "5000").strip() == "1"
    old_master = servers.master.port

    servers.master.stop()
    statuses: list[int] = []
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        status, elapsed, body = timed(api, "GET", "/v1/queues/q/stats")
        assert status in (200, 503), body
        assert elapsed < BOUND, f"a request took {elapsed:.1f}s during the fail-over"
        statuses.append(status)
        if status == 200:
            break
        time.sleep(0.2)
    assert statuses[-1] == 200, "the service did not come back after the fail-over"
    assert servers.master_port() == servers.replica.port != old_master

    status, _, stats = timed(api, "GET", "/v1/queues/q/stats")
    assert status == 200 and stats["messages"]["free"] == 3
    assert timed(api, "POST", "/v1/queues/q/messages", **POST)[0] == 201
    assert timed(api, "GET", "/v1/health")[0] == 204
