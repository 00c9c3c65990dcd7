"""What the SQL store answers when its connection is lost: before committing, a 503 (the
transaction was rolled back); while committing, an unknown outcome (the server may have
committed). The loss is faked on SQLite: a connection whose next commit (or statement) fails
with an error the engine is told is a disconnection.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from tests.clock import Clock
from zaqar.core.ids import is_id
from zaqar.storage import base, errors
from zaqar.storage.breaker import Breaker
from zaqar.storage.sqlalchemy.messages import MessageController
from zaqar.storage.sqlalchemy.queues import QueueController
from zaqar.storage.sqlalchemy.store import Store

LOST = "connection lost (test double)"


class Flaky:
    """A sqlite3 connection whose next commit, or next statement, can be made to fail."""

    def __init__(self, real: sqlite3.Connection) -> None:
        self._real = real
        self.fail_commit = False
        self.fail_statement = False

    def commit(self) -> None:
        if self.fail_commit:
            self.fail_commit = False
            raise sqlite3.OperationalError(LOST)
        self._real.commit()

    def cursor(self, *args: Any) -> Any:
        if self.fail_statement:
            self.fail_statement = False
            raise sqlite3.OperationalError(LOST)
        return self._real.cursor(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def flaky_store(tmp_path: Path, clock: Clock) -> tuple[Store, list[Flaky], Breaker]:
    made: list[Flaky] = []

    def connect() -> Flaky:
        made.append(Flaky(sqlite3.connect(tmp_path / "z.sqlite", check_same_thread=False)))
        return made[-1]

    engine = sa.create_engine("sqlite://", creator=connect)

    @event.listens_for(engine, "handle_error")
    def lost(context: Any) -> None:
        if LOST in str(context.original_exception):
            context.is_disconnect = True

    breaker = Breaker("test database", 1.0, clock)
    store = Store(engine, breaker=breaker)
    store.ensure_schema()
    return store, made, breaker


def test_a_connection_lost_while_committing_a_post_leaves_its_outcome_unknown(
    flaky_store: tuple[Store, list[Flaky], Breaker],
) -> None:
    store, made, breaker = flaky_store
    QueueController(store).create("q")
    for connection in made:
        connection.fail_commit = True
    with pytest.raises(errors.OutcomeUnknown) as raised:
        MessageController(store).post("q", [base.NewMessage(60, 1), base.NewMessage(60, 2)], "c")
    assert str(raised.value) == "The messages may or may not have been enqueued."
    ids = raised.value.message_ids
    assert len(ids) == 2 and all(is_id(value) for value in ids)
    assert breaker.is_open  # a lost connection is an unreachable server


def test_a_connection_lost_while_committing_any_change_leaves_its_outcome_unknown(
    flaky_store: tuple[Store, list[Flaky], Breaker],
) -> None:
    store, made, _ = flaky_store
    for connection in made:
        connection.fail_commit = True
    with pytest.raises(errors.OutcomeUnknown, match="Queue q may or may not have been created"):
        QueueController(store).create("q")


def test_a_connection_lost_before_committing_is_503_and_nothing_is_changed(
    flaky_store: tuple[Store, list[Flaky], Breaker], clock: Clock
) -> None:
    store, made, breaker = flaky_store
    queues = QueueController(store)
    queues.create("q")
    for connection in made:
        connection.fail_statement = True
    with pytest.raises(errors.ServiceUnavailable):
        MessageController(store).post("q", [base.NewMessage(60, 1)], "c")
    assert breaker.is_open
    clock.advance(1.0)  # the next request is the breaker's probe
    assert queues.stats("q").total == 0
    assert not breaker.is_open


def test_a_lock_wait_that_timed_out_does_not_open_the_breaker(
    flaky_store: tuple[Store, list[Flaky], Breaker],
) -> None:
    store, _, breaker = flaky_store

    def work(connection: sa.Connection) -> None:
        # What a server that is there answers: a statement error, not a lost connection.
        raise sa.exc.OperationalError("UPDATE ...", {}, sqlite3.OperationalError("locked"))

    with pytest.raises(errors.ServiceUnavailable):
        store.write(work)
    assert not breaker.is_open
