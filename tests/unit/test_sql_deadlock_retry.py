"""A write the database aborted to break a deadlock is run again, not answered with 503."""

from __future__ import annotations

from pathlib import Path

import pymysql
import pytest
from sqlalchemy import exc
from sqlalchemy.engine import Connection

from zaqar.storage import errors
from zaqar.storage.sqlalchemy.store import DEADLOCK_ATTEMPTS, Store, create_engine, is_deadlock


def _aborted(code: int) -> exc.OperationalError:
    return exc.OperationalError("UPDATE messages", {}, pymysql.err.OperationalError(code, "x"))


def test_mysql_deadlock_errors_are_recognised_and_others_are_not() -> None:
    assert is_deadlock(_aborted(1213))
    assert not is_deadlock(_aborted(2013))


def test_a_deadlocked_write_is_retried_until_it_succeeds(tmp_path: Path) -> None:
    store = Store(create_engine(f"sqlite:///{tmp_path / 'z.sqlite'}", 1.0))
    attempts: list[int] = []

    def work(connection: Connection) -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise _aborted(1213)
        return "done"

    assert store.write(work) == "done"
    assert len(attempts) == 3


def test_a_write_that_keeps_deadlocking_becomes_unavailable(tmp_path: Path) -> None:
    store = Store(create_engine(f"sqlite:///{tmp_path / 'z.sqlite'}", 1.0))
    attempts: list[int] = []

    def work(connection: Connection) -> None:
        attempts.append(1)
        raise _aborted(1213)

    with pytest.raises(errors.ServiceUnavailable):
        store.write(work)
    assert len(attempts) == DEADLOCK_ATTEMPTS
