"""Scripts sent straight down the driver's own connections (``zaqar.storage.redis.direct``).

A private redis-server, so that these tests can flush its scripts and close its clients.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from redis import exceptions as redis_errors

from tests.faults import free_port
from tests.redis_servers import REDIS_SERVER, RedisProcess, redis_conf
from zaqar.storage import base
from zaqar.storage.redis import connections, direct, driver
from zaqar.storage.redis import scripts as lua

CLIENT_ID = "c" * 32


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


@pytest.fixture
def scripts(server: RedisProcess) -> Iterator[direct.ScriptConnections]:
    pool = redis.ConnectionPool(
        port=server.port,
        connection_class=connections.Connection,
        socket_timeout=5,
        decode_responses=True,
    )
    made = direct.ScriptConnections(pool)
    try:
        yield made
    finally:
        made.close()


def post(data: driver.DataDriver, body: object) -> list[str]:
    return data.message_controller.post("q", [base.NewMessage(60, body)], CLIENT_ID)


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
    assert client.script_exists(direct.sha1(lua.POST))[0]


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
    scripts: direct.ScriptConnections, client: redis.Redis
) -> None:
    with pytest.raises(redis_errors.ResponseError, match="refused here"):
        scripts.run("return redis.error_reply('refused here')", [], [])
    assert scripts.run("return ARGV[1] .. KEYS[1]", ["k"], ["a"]) == "ak"
    names = [entry for entry in client.client_list() if entry["cmd"] in ("evalsha", "eval")]
    assert len(names) == 1, names


def test_a_connection_whose_reply_never_came_is_closed_not_reused(
    server: RedisProcess, scripts: direct.ScriptConnections
) -> None:
    pool = redis.ConnectionPool(
        port=server.port,
        connection_class=connections.Connection,
        socket_timeout=0.2,
        decode_responses=True,
    )
    impatient = direct.ScriptConnections(pool)
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
    scripts: direct.ScriptConnections,
) -> None:
    keys = ["k é", "k\x00two"]
    args = ["", "a b", "ü" * 3, "1.5"]
    reply = scripts.run("return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4]}", keys, args)
    assert reply == [*keys, *args]
