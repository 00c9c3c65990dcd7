"""The Redis driver on a Redis Cluster: the conformance suite runs on the ``redis-cluster``
backend (a private 3-node cluster, see ``tests.backends``); these tests check what is
particular to a cluster."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis
from redis.cluster import RedisCluster

from tests.faults import BOUND
from tests.redis_servers import RedisClusterProcesses, redis_conf
from zaqar.storage import base, errors
from zaqar.storage.redis import driver as redis_driver


@pytest.mark.parametrize("backend", ["redis-cluster"], indirect=True)
def test_queues_spread_over_every_node(driver: base.DataDriver, post: object) -> None:
    queues = driver.queue_controller
    names = [f"q{n}" for n in range(60)]
    for name in names:
        assert queues.create(name, project="spread")
        driver.message_controller.post(
            name, [base.NewMessage(ttl=60, body=name)], "c" * 32, "spread"
        )

    store = driver.store  # type: ignore[attr-defined]
    cluster = store.connector.get()
    assert isinstance(cluster, RedisCluster)
    primaries = cluster.get_primaries()
    assert len(primaries) == 3
    holding = []
    for node in primaries:
        # Ask each node directly, so the count is what that server really stores.
        plain = redis.Redis(host=node.host, port=node.port, decode_responses=True)
        try:
            found = list(plain.scan_iter(match=f"{store.prefix}:q:*", count=1000))
        finally:
            plain.close()
        holding.append(len(found))
    assert sum(holding) == 60
    assert all(count > 0 for count in holding), holding

    # And every queue is whole: listed, with its message, across the nodes.
    page = queues.list(project="spread", limit=100)
    assert sorted(queue.name for queue in page.items) == sorted(names)
    for name in names:
        assert queues.stats(name, project="spread").free == 1


def test_a_cluster_that_is_away_at_start_answers_503_quickly_then_serves(
    tmp_path: Path,
) -> None:
    cluster = RedisClusterProcesses(tmp_path)  # its ports are chosen, nothing runs yet
    conf = redis_conf(cluster.uri, socket_timeout=0.5, prefix="away")
    control = redis_driver.ControlDriver(conf)
    data = redis_driver.DataDriver(conf, control)
    try:
        assert data.is_alive() is False
        started = time.monotonic()
        with pytest.raises(errors.ServiceUnavailable):
            data.queue_controller.create("q")
        assert time.monotonic() - started < BOUND

        cluster.start()
        assert data.is_alive() is True
        # On a busy machine the first change may still come late to the new cluster
        # (503, nothing changed), as a client would see it; its retry goes through.
        retry_until = time.monotonic() + 10
        while True:
            try:
                assert data.queue_controller.create("q") is True
                break
            except errors.ServiceUnavailable:
                if time.monotonic() > retry_until:
                    raise
        assert data.message_controller.post("q", [base.NewMessage(60, 1)], "c" * 32)
    finally:
        data.close()
        control.close()
        cluster.stop()
