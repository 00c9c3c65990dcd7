"""Engine set-up and error translation for the SQL store.

Failures: a request that cannot get a connection, or loses it, answers 503 and counts for the
store's circuit breaker (``zaqar.storage.breaker``); lock waits and statement timeouts answer
503 without it, as the server did answer. A change whose transaction failed was rolled back,
so its 503 means it was not made. Only a connection lost while committing leaves the outcome
unknown: the server may have committed, or may still; that is ``OutcomeUnknown`` (504).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine

from zaqar.storage import errors
from zaqar.storage.breaker import Attempt, Breaker
from zaqar.storage.sqlalchemy import schema

LOG = logging.getLogger(__name__)

T = TypeVar("T")


def _configure_sqlite(engine: Engine, timeout: float) -> None:
    """WAL, durable commits, and transactions that take the write lock when they start.

    pysqlite's own transaction handling starts transactions lazily and cannot take the
    write lock up front, so it is turned off and BEGIN is issued here: writers use
    ``BEGIN IMMEDIATE`` (see ``Store.writing``) and queue behind SQLite's busy timeout
    instead of failing with "database is locked" when they upgrade a read lock.
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _server_timeouts(backend: str, timeout: float, connect_timeout: float) -> dict[str, Any]:
    """Driver arguments that bound every wait on a database server by ``timeout``, and
    connecting by ``connect_timeout``, so a server that hangs costs a request a 503, never a
    worker, and one that is down costs little."""
    seconds = max(1, round(timeout))
    if backend == "postgresql":
        milliseconds = int(timeout * 1000)
        return {
            # libpq counts whole seconds, and makes anything under 2 into 2.
            "connect_timeout": max(1, round(connect_timeout)),
            "options": f"-c statement_timeout={milliseconds} -c lock_timeout={milliseconds}",
        }
    if backend == "mysql":
        return {
            "connect_timeout": connect_timeout,
            "read_timeout": seconds,
            "write_timeout": seconds,
        }
    return {}


def create_engine(uri: str, timeout: float, connect_timeout: float = 1.0) -> Engine:
    try:
        url = sa.make_url(uri)
        if url.get_backend_name() == "sqlite":
            engine = sa.create_engine(
                url, connect_args={"timeout": timeout, "check_same_thread": False}
            )
            _configure_sqlite(engine, timeout)
        else:
            engine = sa.create_engine(
                url,
                connect_args=_server_timeouts(url.get_backend_name(), timeout, connect_timeout),
                pool_pre_ping=True,
                pool_timeout=timeout,
            )
    except (exc.ArgumentError, ImportError) as error:
        # Name the scheme only: the URI may hold a password.
        raise errors.BadConfiguration(f"unusable database URI: {error}") from error
    return engine


#: What a change whose outcome is unknown says, when its caller does not say better.
CHANGE_DOUBT = "The change may or may not have been made."


class Store:
    """What the controllers share: the engine, the clock, the circuit breaker and error
    translation."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], float] = time.time,
        breaker: Breaker | None = None,
    ) -> None:
        self.engine = engine
        self._writer = engine.execution_options(sqlite_begin="IMMEDIATE")
        self.clock = clock
        self.for_update = engine.dialect.name != "sqlite"
        self.breaker = breaker or Breaker("database", 0.0)

    def ensure_schema(self) -> None:
        # Inside a write transaction, so that workers starting together on one SQLite file
        # do not both decide to create the tables.
        with translate_errors(), self._writer.begin() as connection:
            schema.ensure_current(connection)

    def upgrade_schema(self) -> None:
        with translate_errors(), self._writer.begin() as connection:
            schema.upgrade(connection)

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        with (
            self.breaker.attempt() as attempt,
            translate_errors(attempt),
            self.engine.connect() as connection,
        ):
            yield connection

    @contextlib.contextmanager
    def writing(
        self, doubt: str = CHANGE_DOUBT, message_ids: Sequence[str] = ()
    ) -> Iterator[Connection]:
        """A transaction holding the write lock (SQLite) or row locks as taken (others).

        ``doubt`` (and a post's ``message_ids``) make the ``OutcomeUnknown`` raised when the
        connection is lost while committing.
        """
        with (
            self.breaker.attempt() as attempt,
            translate_errors(attempt),
            self._transaction(attempt, doubt, message_ids) as connection,
        ):
            yield connection

    def write(
        self,
        work: Callable[[Connection], T],
        doubt: str = CHANGE_DOUBT,
        message_ids: Sequence[str] = (),
    ) -> T:
        """``work`` in a write transaction, run again when the database broke a deadlock.

        Under concurrent claims and posts MySQL (and, more rarely, PostgreSQL) resolves lock
        cycles by aborting one transaction; that is a reason to retry, not to answer 503.
        ``work`` must be safe to run again: a failed attempt rolled back everything.
        """
        with self.breaker.attempt() as attempt, translate_errors(attempt):
            for count in range(1, DEADLOCK_ATTEMPTS + 1):
                try:
                    with self._transaction(attempt, doubt, message_ids) as connection:
                        return work(connection)
                except exc.DBAPIError as error:
                    if count == DEADLOCK_ATTEMPTS or not is_deadlock(error):
                        raise
                    LOG.info("deadlock, retrying (attempt %d): %s", count, error.orig)
        raise AssertionError("unreachable")  # pragma: no cover

    @contextlib.contextmanager
    def _transaction(
        self, attempt: Attempt, doubt: str, message_ids: Sequence[str]
    ) -> Iterator[Connection]:
        committing = False
        try:
            with self._writer.begin() as connection:
                yield connection
                # The block is done; leaving the with-block commits.
                committing = True
        except exc.DBAPIError as error:
            if not (committing and error.connection_invalidated):
                raise
            # A failed statement rolls its transaction back, but a COMMIT sent on a
            # connection that then died may have been carried out, or may still be.
            attempt.unreachable()
            LOG.warning("connection lost while committing: %s", error)
            raise errors.OutcomeUnknown(doubt, message_ids) from error


#: Attempts at a write transaction that the database aborted to break a deadlock.
DEADLOCK_ATTEMPTS = 5

#: MySQL error codes and PostgreSQL SQLSTATEs of transactions aborted to break a lock cycle.
_MYSQL_DEADLOCK = 1213
_POSTGRESQL_RETRY = frozenset({"40P01", "40001"})


def is_deadlock(error: exc.DBAPIError) -> bool:
    original = error.orig
    if getattr(original, "sqlstate", None) in _POSTGRESQL_RETRY:
        return True
    args: tuple[Any, ...] = getattr(original, "args", ())
    return len(args) > 0 and args[0] == _MYSQL_DEADLOCK


def is_unreachable(error: exc.DBAPIError) -> bool:
    """Whether ``error`` says the server could not be reached: connecting failed (there is
    no statement yet) or the connection was lost. Lock waits and timed-out statements are
    answers of a server that is there."""
    if error.connection_invalidated:
        return True
    return error.statement is None and isinstance(error, exc.OperationalError | exc.InterfaceError)


@contextlib.contextmanager
def translate_errors(attempt: Attempt | None = None) -> Iterator[None]:
    """Turn the database's failures into storage errors, at the driver's boundary; failures
    that mean the server is unreachable are marked on ``attempt``, for the breaker."""
    try:
        yield
    except (exc.OperationalError, exc.InterfaceError, exc.TimeoutError) as error:
        if attempt is not None and isinstance(error, exc.DBAPIError) and is_unreachable(error):
            attempt.unreachable()
        LOG.warning("database unavailable: %s", error)
        raise errors.ServiceUnavailable(str(error.__class__.__name__)) from error
    except exc.DBAPIError as error:
        if error.connection_invalidated:
            if attempt is not None:
                attempt.unreachable()
            raise errors.ServiceUnavailable("connection lost") from error
        raise


def open_store(group: Any, role: str) -> Store:
    """The store of one option group (``role``: ``message`` or ``management``)."""
    engine = create_engine(group.uri, group.timeout, group.connect_timeout)
    where = engine.url.render_as_string(hide_password=True)
    breaker = Breaker(f"{engine.dialect.name} {role} store {where}", group.breaker_open_period)
    return Store(engine, breaker=breaker)


def ping(engine: Engine) -> bool:
    """Whether the database answers a query now (never raises)."""
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return True
    except exc.SQLAlchemyError:
        return False
