"""The storage backends every suite runs on, and how a test gets private storage on each.

A backend is a storage driver (an entry point of ``zaqar.data.storage`` and
``zaqar.control.storage``) on one kind of server. ``BACKENDS`` lists them all; the storage
and HTTP suites are parametrised over it, and ``tests/storage/test_driver.py`` checks that it
covers every registered driver, so a new driver cannot skip the suites.

Servers are found through environment variables, with this machine's defaults:

* ``ZAQAR_TEST_POSTGRESQL_URL`` (``postgresql+psycopg://postgres@127.0.0.1:5432/zaqar_test``)
* ``ZAQAR_TEST_MYSQL_URL`` (``mysql+pymysql://root@127.0.0.1:3306/zaqar_test``)

The test databases are created when missing. A server that cannot be reached skips its
tests on a developer's machine and fails them in CI (``CI`` set), so CI never passes by
silently running less.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from oslo_config import cfg

from tests.clock import Clock
from zaqar.storage import base
from zaqar.storage.sqlalchemy import tables

POSTGRESQL_URL = os.environ.get(
    "ZAQAR_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/zaqar_test"
)
MYSQL_URL = os.environ.get("ZAQAR_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/zaqar_test")

_SQL_GROUPS = ("drivers:message_store:sqlalchemy", "drivers:management_store:sqlalchemy")


@dataclass(frozen=True)
class Backend:
    #: The test parameter id, e.g. ``postgresql``.
    name: str
    #: The entry point name of its data and control drivers.
    driver: str
    #: Empty the storage this test will use (``tmp_path`` is the test's own folder).
    reset: Callable[[Path], None]
    #: Point ``conf`` at that storage, with the backend's drivers.
    configure: Callable[[cfg.ConfigOpts, Path], None]
    #: Make the driver read time from ``clock``.
    set_clock: Callable[[base.DataDriver, Clock], None]

    def prepare(self, conf: cfg.ConfigOpts, tmp_path: Path) -> None:
        """Point ``conf`` at fresh, empty storage private to this test."""
        self.reset(tmp_path)
        self.configure(conf, tmp_path)


def unreachable(backend: str, error: Exception) -> None:
    message = f"{backend} server unreachable: {error}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _use_sql(conf: cfg.ConfigOpts, uri: str) -> None:
    conf.set_override("message_store", "sqlalchemy", group="drivers")
    conf.set_override("management_store", "sqlalchemy", group="drivers")
    for group in _SQL_GROUPS:
        conf.set_override("uri", uri, group=group)
    conf.set_override("purge_interval", 0, group=_SQL_GROUPS[0])


def _no_reset(tmp_path: Path) -> None:
    """Storage in the test's own folder starts empty."""


def _configure_sqlite(conf: cfg.ConfigOpts, tmp_path: Path) -> None:
    _use_sql(conf, f"sqlite:///{tmp_path / 'zaqar.sqlite'}")


class _SharedDatabase:
    """A server database the tests take turns on: created once, emptied before each test."""

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.url = sa.make_url(url)
        self._engine: sa.Engine | None = None

    def _create_database(self) -> None:
        server_db = "test"
        admin = sa.create_engine(self.url.set(database=server_db), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                if self.url.get_backend_name() == "mysql":
                    connection.exec_driver_sql(f"CREATE DATABASE IF NOT EXISTS {self.url.database}")
                else:
                    exists = connection.execute(
                        sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                        {"name": self.url.database},
                    ).first()
                    if exists is None:
                        connection.exec_driver_sql(f"CREATE DATABASE {self.url.database}")
        finally:
            admin.dispose()

    def _first_use(self) -> sa.Engine:
        self._create_database()
        engine = sa.create_engine(self.url)
        # Start from the schema of the code under test.
        tables.metadata.drop_all(engine)
        tables.metadata.create_all(engine)
        return engine

    def reset(self, tmp_path: Path) -> None:
        try:
            if self._engine is None:
                self._engine = self._first_use()
            with self._engine.begin() as connection:
                for table in reversed(tables.metadata.sorted_tables):
                    connection.execute(table.delete())
        except sa.exc.OperationalError as error:
            unreachable(self.name, error)

    def configure(self, conf: cfg.ConfigOpts, tmp_path: Path) -> None:
        _use_sql(conf, self.url.render_as_string(hide_password=False))


def _sql_clock(driver: base.DataDriver, clock: Clock) -> None:
    store: Any = driver.store  # type: ignore[attr-defined]
    # Fail loudly if the driver stops reading time from here: the hook would silently miss.
    assert callable(store.clock), "the SQL store no longer has a clock to replace"
    store.clock = clock


_postgresql = _SharedDatabase("postgresql", POSTGRESQL_URL)
_mysql = _SharedDatabase("mysql", MYSQL_URL)

BACKENDS = [
    Backend("sqlite", "sqlalchemy", _no_reset, _configure_sqlite, _sql_clock),
    Backend("postgresql", "sqlalchemy", _postgresql.reset, _postgresql.configure, _sql_clock),
    Backend("mysql", "sqlalchemy", _mysql.reset, _mysql.configure, _sql_clock),
]

BY_NAME = {backend.name: backend for backend in BACKENDS}
