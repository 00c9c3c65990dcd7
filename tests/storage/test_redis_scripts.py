"""Redis scripts on a private redis-server (so that these tests can count every key, flush
the script cache and close clients): the deadline guard, the look-up of a lost post's
outcome, and scripts sent straight down the driver's own connections (``direct``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from redis import exceptions as redis_errors

from tests.faults import free_port
from tests.redis_servers import REDIS_SERVER, RedisProcess, redis_conf
from zaqar.storage import base, errors
from zaqar.storage.redis import connections, direct, driver, pools, scripts
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


# -- scripts on direct connections (zaqar.storage.redis.direct) ----------------------------

DIRECT_CLIENT_ID = "c" * 32


def script_connections(server: RedisProcess, timeout: float) -> direct.ScriptConnections:
    pool = redis.ConnectionPool(
        port=server.port,
        connection_class=connections.Connection,
        socket_timeout=timeout,
        decode_responses=True,
    )
    return direct.ScriptConnections(pool)


@pytest.fixture
def direct_connections(server: RedisProcess) -> Iterator[direct.ScriptConnections]:
    made = script_connections(server, 5.0)
    try:
        yield made
    finally:
        made.close()


def post(data: driver.DataDriver, body: object) -> list[str]:
    return data.message_controller.post("q", [base.NewMessage(60, body)], DIRECT_CLIENT_ID)


def test_a_single_server_runs_scripts_on_direct_connections(data: driver.DataDriver) -> None:
    assert data.store.connector.script_connections() is not None


def test_scripts_the_server_forgot_are_sent_again_whole(
    data: driver.DataDriver, client: redis.Redis
) -> None:
    data.queue_controller.create("q")
    post(data, "before")
    client.script_flush()
    post(data, "after")
    assert data.queue_controller.stats("q").total == 2
    # EVAL cached the script again: the next post needs it sent no more.
    assert client.script_exists(direct.sha1(scripts.POST))[0]


def test_an_idle_connection_the_server_closed_is_made_again_before_sending(
    data: driver.DataDriver, client: redis.Redis
) -> None:
    data.queue_controller.create("q")
    post(data, 1)
    # Every client but this one: the driver's idle script connection among them.
    assert client.client_kill_filter(_type="normal", skipme=True) >= 1
    # Not "outcome unknown": nothing had been sent on the closed connection.
    post(data, 2)
    assert data.queue_controller.stats("q").total == 2


def test_a_script_error_leaves_its_connection_in_use(
    direct_connections: direct.ScriptConnections, client: redis.Redis
) -> None:
    with pytest.raises(redis_errors.ResponseError, match="refused here"):
        direct_connections.run("return redis.error_reply('refused here')", [], [])
    assert direct_connections.run("return ARGV[1] .. KEYS[1]", ["k"], ["a"]) == "ak"
    names = [entry for entry in client.client_list() if entry["cmd"] in ("evalsha", "eval")]
    assert len(names) == 1, names


def test_a_connection_whose_reply_never_came_is_closed_not_reused(
    server: RedisProcess, direct_connections: direct.ScriptConnections
) -> None:
    impatient = script_connections(server, 0.2)
    try:
        with pytest.raises(redis_errors.TimeoutError):
            # Redis runs it for 0.5 s: the reply comes after the connection gave up.
            impatient.run(
                "local t = redis.call('TIME') local e = t[1] + 0.5 + t[2] / 1e6 "
                "repeat t = redis.call('TIME') until t[1] + t[2] / 1e6 >= e return 1",
                [],
                [],
            )
        time.sleep(0.5)  # the slow script is done, and its late reply was sent
        # It is not read as the answer to the next script.
        assert impatient.run("return 'next'", [], []) == "next"
    finally:
        impatient.close()


def test_scripts_keep_keys_and_arguments_apart_and_whole(
    direct_connections: direct.ScriptConnections,
) -> None:
    keys = ["k é", "k\x00two"]
    args = ["", "a b", "ü" * 3, "1.5"]
    reply = direct_connections.run(
        "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4]}", keys, args
    )
    assert reply == [*keys, *args]
