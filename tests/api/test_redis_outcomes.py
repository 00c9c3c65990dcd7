"""A 503 means "not stored": changes cut off by a Redis server that stops answering.

Each test runs its own redis-server and SIGSTOPs it: it still accepts connections and
commands (the kernel buffers them) but answers nothing until SIGCONT, when it runs what it
was sent. The driver's deadline guard must make those late commands change nothing, and the
answers the clients got must say exactly what happened: 201 stored, 503 not stored, 504 not
known (with the ids to look for).
"""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import zaqar.conf
from tests.faults import BOUND, HEADERS, served, timed
from tests.redis_servers import RedisProcess, private_redis, redis_conf
from zaqar import bootstrap
from zaqar.storage.redis.store import OUTCOME_CHECK_TIMEOUT
from zaqar.storage.sqlalchemy.driver import ControlDriver

from .support import Api, message_id

#: The socket timeout of these tests (``redis_conf``'s): a change that got no answer within
#: it is given up, and must never be made afterwards.
SOCKET_TIMEOUT = 1.0
MESSAGES = "/v1/queues/q/messages"
PROJECT = HEADERS["X-Project-ID"]


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisProcess]:
    with private_redis(tmp_path / "redis") as server:
        yield server


def pooled_conf(tmp_path: Path, uri: str) -> Any:
    """Pooling on: the catalogue in SQLite, one pool on the Redis server at ``uri``."""
    conf = zaqar.conf.load([], default_config_files=[])
    catalogue = f"sqlite:///{tmp_path / 'catalogue.sqlite'}"
    for group in ("drivers:message_store:sqlalchemy", "drivers:management_store:sqlalchemy"):
        conf.set_override("uri", catalogue, group=group)
    conf.set_override("purge_interval", 0, group="drivers:message_store:sqlalchemy")
    conf.set_override("pooling", True, group="DEFAULT")
    control = ControlDriver(conf)
    try:
        options = {
            "socket_timeout": SOCKET_TIMEOUT,
            "max_reconnect_attempts": 1,
            "reconnect_sleep": 0.1,
        }
        control.pools_controller.create("redis", 1, uri, options=options)
    finally:
        control.close()
    return conf


@pytest.fixture(params=["redis", "pooled"])
def api(
    request: pytest.FixtureRequest, redis_server: RedisProcess, tmp_path: Path
) -> Iterator[Api]:
    uri = f"redis://127.0.0.1:{redis_server.port}/0"
    if request.param == "redis":
        conf = redis_conf(uri, socket_timeout=SOCKET_TIMEOUT)
    else:
        conf = pooled_conf(tmp_path, uri)
    boot = bootstrap.Bootstrap(conf)
    try:
        yield Api(boot.transport.app, boot)
    finally:
        boot.close()


def stored_bodies(api: Api) -> Counter[Any]:
    """How many times each body is stored in queue ``q``."""
    bodies: Counter[Any] = Counter()
    marker: str | None = None
    messages = api.boot.storage.message_controller
    while True:
        page = messages.list("q", PROJECT, marker, 20, echo=True, include_claimed=True)
        bodies.update(message.body for message in page.items)
        if not page.items or page.next_marker is None:
            return bodies
        marker = page.next_marker


def open_connections(api: Api, count: int) -> None:
    """Leave ``count`` connections to Redis open in the store's pool.

    A command on an open connection is sent even to a stopped server (the kernel takes it);
    one that needs a new connection fails in the handshake, before it is sent.
    """
    storage: Any = api.boot.storage
    store = storage.pool_driver("redis").store if hasattr(storage, "pool_driver") else storage.store
    scripts = store.connector.script_connections()
    assert scripts is not None, "a single server's scripts go down connections of their own"
    scripts.open(count)


def bodies_of(api: Api, hrefs: list[str]) -> list[Any]:
    ids = ",".join(message_id(href) for href in hrefs)
    status, body = served(api, "GET", f"{MESSAGES}?ids={ids}")
    assert status in (200, 204), body
    return [message["body"] for message in body or []]


def test_posts_cut_off_by_a_stopped_redis_are_stored_exactly_when_answered_so(
    api: Api, redis_server: RedisProcess
) -> None:
    assert timed(api, "PUT", "/v1/queues/q")[0] == 201
    assert redis_server.process is not None
    answers: list[tuple[int, Any, list[str]]] = []
    stop = threading.Event()

    def produce(producer: int) -> None:
        sequence = 0
        while not stop.is_set():
            tokens = [f"{producer}-{sequence}-{n}" for n in range(2)]
            resp = api.client.simulate_post(
                MESSAGES, headers=HEADERS, json=[{"ttl": 300, "body": t} for t in tokens]
            )
            answers.append((resp.status_code, resp.json if resp.text else None, tokens))
            sequence += 1
            time.sleep(0.02)

    def outage(seconds: float) -> Counter[int]:
        """Stop Redis for ``seconds`` while the producers post; what they were answered."""
        assert redis_server.process is not None
        before = len(answers)
        redis_server.process.send_signal(signal.SIGSTOP)
        try:
            time.sleep(seconds)
        finally:
            redis_server.process.send_signal(signal.SIGCONT)
        time.sleep(2.0)  # the breaker closes again and posts succeed again
        return Counter(status for status, _, _ in answers[before:])

    producers = [threading.Thread(target=produce, args=(n,), daemon=True) for n in range(4)]
    for thread in producers:
        thread.start()
    try:
        time.sleep(0.3)
        # Back after the posts in flight were given up, while the look-ups of their outcome
        # wait for Redis: those find them not stored.
        short = outage(SOCKET_TIMEOUT + 0.3)
        # Back only after the look-ups gave up too: the outcome is unknown.
        long = outage(SOCKET_TIMEOUT + OUTCOME_CHECK_TIMEOUT + 0.5)
    finally:
        stop.set()
        for thread in producers:
            thread.join(timeout=3 * BOUND)
    assert not any(thread.is_alive() for thread in producers), "a producer hung"

    assert set(short) | set(long) <= {201, 503, 504}, (short, long)
    assert short[503] and long[504], (short, long)
    stored = stored_bodies(api)
    assert all(count == 1 for count in stored.values()), "a message was stored twice"
    for status, body, tokens in answers:
        if status == 201:
            assert all(stored[token] == 1 for token in tokens), tokens
            assert bodies_of(api, body["resources"]) == tokens
        elif status == 503:
            assert not any(stored[token] for token in tokens), f"answered 503 but stored: {tokens}"
        else:
            assert body["title"] == "Outcome unknown"
            assert len(body["resources"]) == len(tokens)
            # The ids reported are the batch's: all there or none (one script posts them).
            found = bodies_of(api, body["resources"])
            assert found in ([], tokens), found
            assert [bool(stored[token]) for token in tokens] == [bool(found)] * len(tokens)


def test_a_change_a_stopped_redis_never_answers_is_a_504_and_is_not_made_later(
    api: Api, redis_server: RedisProcess
) -> None:
    assert timed(api, "PUT", "/v1/queues/q")[0] == 201
    assert timed(api, "POST", MESSAGES, json=[{"ttl": 300, "body": "before"}])[0] == 201
    open_connections(api, 2)
    assert redis_server.process is not None
    redis_server.process.send_signal(signal.SIGSTOP)
    try:
        # Sent at once, each on an open connection, and never answered (nor is the look-up of
        # the post's outcome, on a connection of its own).
        answers: dict[str, tuple[int, float, Any]] = {}
        changes = {
            "post": lambda: timed(api, "POST", MESSAGES, json=[{"ttl": 300, "body": "x"}]),
            "create": lambda: timed(api, "PUT", "/v1/queues/q2"),
        }

        def change(name: str) -> None:
            answers[name] = changes[name]()

        threads = [threading.Thread(target=change, args=(name,)) for name in changes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=3 * BOUND)
        assert set(answers) == set(changes), "a request hung"

        status, elapsed, body = answers["post"]
        assert status == 504, body
        assert elapsed < BOUND
        assert body["title"] == "Outcome unknown"
        assert body["description"].startswith("The messages may or may not have been enqueued.")
        [href] = body["resources"]
        assert href.startswith(f"{MESSAGES}/")
        status, elapsed, created = answers["create"]
        assert status == 504, created
        assert elapsed < BOUND
        assert created["description"].startswith("Queue q2 may or may not have been created.")
        assert "resources" not in created

        # No connection is open now: a change that cannot connect is not sent, so it is a
        # 503 (once the breaker lets a request through again).
        time.sleep(1.1)
        status, _, refused = timed(api, "PUT", "/v1/queues/q3")
        assert status == 503, refused
    finally:
        redis_server.process.send_signal(signal.SIGCONT)

    # Redis ran both commands once it went on, after their deadlines: neither changed a thing.
    assert bodies_of(api, [href]) == []
    assert served(api, "GET", "/v1/queues/q2/metadata")[0] == 404
    assert served(api, "GET", "/v1/queues/q3/metadata")[0] == 404
    assert sorted(stored_bodies(api)) == ["before"]
    assert timed(api, "POST", MESSAGES, json=[{"ttl": 300, "body": "after"}])[0] == 201
