"""The deadline guard of the Redis scripts, and the look-up of a lost post's outcome.

A private redis-server, so that these tests can count every key.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis

from tests.faults import free_port
from tests.redis_servers import REDIS_SERVER, RedisProcess, redis_conf
from zaqar.storage import base, errors
from zaqar.storage.redis import driver, pools, scripts
from zaqar.storage.redis import store as redis_store

#: Pieces the scripts are made of.
FRAGMENTS = {"GUARD", "_COMMON", "_HOLD", "local_held", "_SUBSCRIPTIONS"}
#: Every Lua script of the driver, by name.
SCRIPTS = {
    f"{module.__name__.rpartition('.')[2]}.{name}": value
    for module in (scripts, pools)
    for name, value in vars(module).items()
    if isinstance(value, str) and "redis.call(" in value and name not in FRAGMENTS
}
#: Those that change data.
GUARDED = {name: lua for name, lua in SCRIPTS.items() if lua.startswith(scripts.GUARD)}
#: Those that only read, or only trim expired data (harmless whenever it runs).
READING = {
    "scripts.TRIM",
    "scripts.STATS",
    "scripts.LIST",
    "scripts.BULK_GET",
    "scripts.GET_CLAIM",
    "scripts.POSTED",
    "scripts.TRIM_SUBSCRIPTIONS",
    "scripts.LIST_SUBSCRIPTIONS",
    "scripts.FIND_SUBSCRIPTION",
    "pools._PLACEMENT",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    if REDIS_SERVER is None:
        pytest.fail("redis-server is not installed")
    process = RedisProcess(free_port(), tmp_path_factory.mktemp("redis"))
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def client(server: RedisProcess) -> Iterator[redis.Redis]:
    plain = redis.Redis(port=server.port, socket_timeout=5, decode_responses=True)
    plain.flushall()
    try:
        yield plain
    finally:
        plain.close()


@pytest.fixture
def data(server: RedisProcess, client: redis.Redis) -> Iterator[driver.DataDriver]:
    conf = redis_conf(f"redis://127.0.0.1:{server.port}/0")
    control = driver.ControlDriver(conf)
    data = driver.DataDriver(conf, control)
    try:
        yield data
    finally:
        data.close()
        control.close()


def test_every_script_that_changes_data_is_guarded() -> None:
    assert set(SCRIPTS) - set(GUARDED) == READING
    # Four index scripts became one (INDEX); SWAP_METADATA and _FLAVOR (flavors) came, five
    # that change subscriptions and four of push delivery (leases, checkpoints, replays).
    assert len(GUARDED) == 30


@pytest.mark.parametrize("name", sorted(GUARDED))
def test_a_script_run_after_its_deadline_changes_nothing(name: str, client: redis.Redis) -> None:
    keys = [f"t:{{q}}:{n}" for n in range(5)]
    # Arguments any script could take; it must stop before reading any but the deadline.
    args = ["1700000000.0", "t:{q}:msg:", "t:{q}:cl:", "0", "1", "2", "3", "4", "5"]
    past = repr(time.time() - 0.001)
    with pytest.raises(redis.exceptions.ResponseError, match="^LATE "):
        client.register_script(GUARDED[name])(keys=keys, args=[*args, past])
    assert client.dbsize() == 0


def test_a_change_that_reaches_redis_too_late_is_503_and_not_made(
    data: driver.DataDriver, client: redis.Redis
) -> None:
    assert data.queue_controller.create("q") is True
    data.store.write_budget = -1.0  # every deadline is already past when the script runs
    with pytest.raises(errors.ServiceUnavailable, match="too late"):
        data.message_controller.post("q", [base.NewMessage(60, "late")], "c" * 32)
    with pytest.raises(errors.ServiceUnavailable):
        data.queue_controller.create("q2")
    data.store.write_budget = 1.0
    assert data.queue_controller.stats("q").total == 0
    assert data.queue_controller.exists("q2") is False


def test_the_deadline_is_the_socket_timeout_less_the_skew_margin_of_at_most_half(
    server: RedisProcess,
) -> None:
    for socket_timeout, margin, budget in [(5.0, 0.5, 4.5), (1.0, 0.5, 0.5), (0.2, 0.5, 0.1)]:
        conf = redis_conf(f"redis://127.0.0.1:{server.port}/0", socket_timeout=socket_timeout)
        conf.set_override("clock_skew_margin", margin, group="drivers:message_store:redis")
        store = redis_store.open_store(conf["drivers:message_store:redis"], "message")
        assert store.write_budget == pytest.approx(budget)
    uri = f"redis://127.0.0.1:{server.port}/0?socket_timeout=2"
    store = redis_store.open_store(redis_conf(uri)["drivers:message_store:redis"], "message")
    assert store.write_budget == pytest.approx(1.5)  # the URI's timeout is the one in force


def test_the_outcome_of_a_post_is_found_by_its_receipt_even_once_its_messages_are_gone(
    data: driver.DataDriver,
) -> None:
    data.queue_controller.create("q")
    keys = data.store.queue_keys("q", None)
    ids = data.message_controller.post("q", [base.NewMessage(60, n) for n in range(3)], "c" * 32)
    assert data.store.outcome_of_post(keys, ids, settled=0.0) is True
    data.message_controller.bulk_delete("q", ids)
    assert data.store.outcome_of_post(keys, ids, settled=0.0) is True
    never = ["0" * 24, "1" * 24]
    assert data.store.outcome_of_post(keys, never, settled=0.0) is False


def test_the_look_up_of_a_post_waits_until_it_can_no_longer_run(
    data: driver.DataDriver,
) -> None:
    data.queue_controller.create("q")
    keys = data.store.queue_keys("q", None)
    started = time.monotonic()
    assert data.store.outcome_of_post(keys, ["2" * 24], settled=started + 0.3) is False
    assert time.monotonic() - started >= 0.3
