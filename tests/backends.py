"""The storage backends every suite runs on, and how a test gets private storage on each.

A backend is a storage driver (an entry point of ``zaqar.data.storage`` and
``zaqar.control.storage``) on one kind of server. ``BACKENDS`` lists them all; the storage
and HTTP suites are parametrised over it, and ``tests/storage/test_driver.py`` checks that it
covers every registered driver, so a new driver cannot skip the suites.

Servers are found through environment variables, with this machine's defaults:

* ``ZAQAR_TEST_POSTGRESQL_URL`` (``postgresql+psycopg://postgres@127.0.0.1:5432/zaqar_test``)
* ``ZAQAR_TEST_MYSQL_URL`` (``mysql+pymysql://root@127.0.0.1:3306/zaqar_test``)
* ``ZAQAR_TEST_MONGODB_URL`` (no default: the ``mongodb`` backend exists only when it is set;
  the ``mongomock`` backend runs the MongoDB driver on mongomock in any case)

Each test run creates its own database on each server (the URL's name plus the process id)
and drops it at the end. A server that cannot be reached skips its
tests on a developer's machine and fails them in CI (``CI`` set), so CI never passes by
silently running less.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from oslo_config import cfg

import zaqar.conf
from tests.clock import Clock
from zaqar.conf.opts import list_opts
from zaqar.storage import base
from zaqar.storage.sqlalchemy import schema, tables

POSTGRESQL_URL = os.environ.get(
    "ZAQAR_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/zaqar_test"
)
MYSQL_URL = os.environ.get("ZAQAR_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/zaqar_test")

_SQL_GROUPS = ("drivers:message_store:sqlalchemy", "drivers:management_store:sqlalchemy")


#: The ``driver`` of pooled backends: the pooled meta-driver, which is no entry point but is
#: what ``pooling = True`` loads.
POOLED = "pooled"


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
    #: Usable only by drivers built in this process (a test double such as mongomock), so
    #: suites that start a server in another process cannot run on it.
    in_process_only: bool = False

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
    """A database of this test run's own on a server, emptied before each test.

    Its name is the configured one plus this process's id, so two test runs on one server
    never touch each other's data; it is dropped when the run ends.
    """

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        configured = sa.make_url(url)
        self.url = configured.set(database=f"{configured.database}_{os.getpid()}")
        self._engine: sa.Engine | None = None

    def _admin(self) -> sa.Engine:
        # A connection to the server outside the test database, to create and drop it.
        server_db = "postgres" if self.url.get_backend_name() == "postgresql" else "mysql"
        return sa.create_engine(self.url.set(database=server_db), isolation_level="AUTOCOMMIT")

    def _create_database(self) -> None:
        admin = self._admin()
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {self.url.database}")
                connection.exec_driver_sql(f"CREATE DATABASE {self.url.database}")
        finally:
            admin.dispose()
        atexit.register(self._drop_database)

    def _drop_database(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        admin = self._admin()
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {self.url.database}")
        except sa.exc.SQLAlchemyError:
            pass  # the server went away; nothing left to clean
        finally:
            admin.dispose()

    def _first_use(self) -> sa.Engine:
        self._create_database()
        engine = sa.create_engine(self.url)
        with engine.begin() as connection:
            schema.upgrade(connection)
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

REDIS_URL = os.environ.get("ZAQAR_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


class _RedisNamespace:
    """Keys under a prefix private to this test process, and to each test within it.

    Redis databases are shared with other tools, so the tests never flush one: ``reset``
    deletes the keys of this process's earlier tests, and the last test's keys go when the
    process exits.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.namespace = f"zaqar-test-{os.getpid()}"
        self._client: Any = None

    def prefix(self, tmp_path: Path) -> str:
        return f"{self.namespace}:{tmp_path.name}"

    def _clean(self) -> None:
        keys = list(self._client.scan_iter(match=f"{self.namespace}:*", count=1000))
        for start in range(0, len(keys), 500):
            self._client.delete(*keys[start : start + 500])

    def reset(self, tmp_path: Path) -> None:
        import redis

        try:
            if self._client is None:
                self._client = redis.Redis.from_url(self.url, socket_timeout=5)
                self._client.ping()
                atexit.register(self._clean)
            self._clean()
        except redis.exceptions.ConnectionError as error:
            self._client = None
            unreachable("redis", error)

    def configure(self, conf: cfg.ConfigOpts, tmp_path: Path) -> None:
        conf.set_override("message_store", "redis", group="drivers")
        conf.set_override("management_store", "redis", group="drivers")
        for group in ("drivers:message_store:redis", "drivers:management_store:redis"):
            conf.set_override("uri", self.url, group=group)
            conf.set_override("prefix", self.prefix(tmp_path), group=group)


def _redis_clock(driver: base.DataDriver, clock: Clock) -> None:
    store: Any = driver.store  # type: ignore[attr-defined]
    assert callable(store.clock), "the Redis store no longer has a clock to replace"
    store.clock = clock


_redis = _RedisNamespace(REDIS_URL)


class _PrivateRedisCluster(_RedisNamespace):
    """A 3-node Redis Cluster of this test run's own, started on first use.

    No cluster runs on this machine, so the run starts one on free loopback ports
    (``redis-server --cluster-enabled yes``, then ``redis-cli --cluster create``) and kills
    it when the run ends; it keeps nothing on disk.
    """

    def __init__(self) -> None:
        super().__init__("")
        self._cluster: Any = None

    def reset(self, tmp_path: Path) -> None:
        if self._cluster is None:
            from redis.cluster import RedisCluster

            from tests.redis_servers import REDIS_CLI, REDIS_SERVER, RedisClusterProcesses

            if REDIS_SERVER is None or REDIS_CLI is None:
                unreachable("redis-cluster", RuntimeError("redis-server is not installed"))
            folder = Path(tempfile.mkdtemp(prefix="zaqar-redis-cluster-"))
            cluster = RedisClusterProcesses(folder)
            atexit.register(shutil.rmtree, folder, True)
            atexit.register(cluster.stop)
            cluster.start()
            self._cluster = cluster
            self.url = cluster.uri
            host, port = "127.0.0.1", cluster.ports[0]
            self._client = RedisCluster(host=host, port=port, socket_timeout=5)
        self._clean()


_redis_cluster = _PrivateRedisCluster()

MONGODB_URL = os.environ.get("ZAQAR_TEST_MONGODB_URL")

_MONGO_GROUPS = ("drivers:message_store:mongodb", "drivers:management_store:mongodb")


def _use_mongodb(conf: cfg.ConfigOpts, uri: str, database: str, unreliable: bool) -> None:
    conf.set_override("message_store", "mongodb", group="drivers")
    conf.set_override("management_store", "mongodb", group="drivers")
    for group in _MONGO_GROUPS:
        conf.set_override("uri", uri, group=group)
        conf.set_override("database", database, group=group)
        conf.set_override("unreliable", unreliable, group=group)
        conf.set_override("max_retry_sleep", 0.01, group=group)


def _mongodb_clock(driver: base.DataDriver, clock: Clock) -> None:
    store: Any = driver.store  # type: ignore[attr-defined]
    assert callable(store.clock), "the MongoDB store no longer has a clock to replace"
    store.clock = clock


class _Mongomock:
    """The MongoDB driver on mongomock, an in-memory imitation of a MongoDB server.

    The driver builds its client through ``zaqar.storage.mongodb.store.client_factory``;
    ``configure`` points that at a mongomock client (behind a lock, see
    ``tests.mongomock_client``) over a server that ``reset`` makes anew for each test. The
    URI names a host that cannot resolve, so a client built without this hook fails at once
    instead of reaching a real server, and the hook hands any other URI to pymongo. Only
    drivers built in this process see the hook.
    """

    URI = "mongodb://mongomock.invalid:27017/"

    def __init__(self) -> None:
        self._server: Any = None

    def reset(self, tmp_path: Path) -> None:
        from tests.mongomock_client import new_server

        self._server = new_server()

    def configure(self, conf: cfg.ConfigOpts, tmp_path: Path) -> None:
        import pymongo

        from tests.mongomock_client import LockedClient
        from zaqar.storage.mongodb import store

        server = self._server

        def client(uri: str, **options: Any) -> Any:
            # The hook outlives the test: any other URI still gets a real client.
            if uri == self.URI:
                return LockedClient(server)
            return pymongo.MongoClient(uri, **options)

        store.client_factory = client
        # The stand-in answers ``hello`` as a replica-set member: the driver's default,
        # strict start-up path runs.
        _use_mongodb(conf, self.URI, "zaqar", unreliable=False)


class _MongoDatabases:
    """Databases of this test run's own on a real MongoDB server (``ZAQAR_TEST_MONGODB_URL``),
    emptied before each test and dropped when the run ends."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.database = f"zaqar_test_{os.getpid()}"
        self._client: Any = None
        # pymongo waits out its server selection timeout even when the connection is
        # refused, so a server found away is not asked again in this run.
        self._failure: Exception | None = None

    def _ours(self) -> list[str]:
        names: list[str] = self._client.list_database_names()
        return [name for name in names if name.split("_messages_p")[0] in self._prefixes]

    @property
    def _prefixes(self) -> set[str]:
        return {self.database, f"{self.database}_queues"}

    def _drop(self) -> None:
        from pymongo import errors as mongo_errors

        if self._client is None:
            return
        try:
            for name in self._ours():
                self._client.drop_database(name)
        except mongo_errors.PyMongoError:
            pass  # the server went away; nothing left to clean
        finally:
            self._client.close()

    def reset(self, tmp_path: Path) -> None:
        import pymongo
        from pymongo import errors as mongo_errors

        if self._failure is not None:
            unreachable("mongodb", self._failure)
        try:
            if self._client is None:
                self._client = pymongo.MongoClient(self.url, serverSelectionTimeoutMS=5000)
                self._client.admin.command("ping")
                atexit.register(self._drop)
            for name in self._ours():
                database = self._client[name]
                for collection in database.list_collection_names():
                    database[collection].delete_many({})
        except mongo_errors.PyMongoError as error:
            self._client = None
            self._failure = error
            unreachable("mongodb", error)

    def configure(self, conf: cfg.ConfigOpts, tmp_path: Path) -> None:
        import pymongo

        from zaqar.storage.mongodb import store

        # Undo the mongomock backend's hook: this backend talks to the real server.
        store.client_factory = pymongo.MongoClient
        # A developer's single mongod is no replica set; the driver still tells whether the
        # server is durable, through its capabilities.
        _use_mongodb(conf, self.url, self.database, unreliable=True)


_mongomock = _Mongomock()

#: (name, weight, uri, options) of a pool, for a test's folder.
PoolSpec = tuple[str, int, str, dict[str, Any]]


class _Pooled:
    """Pooling on, with a SQL management store and pools of two different backends; new
    queues land on either, at random, so every suite exercises both behind the catalogue.
    """

    def __init__(
        self,
        management: Callable[[Path], str],
        pools: Callable[[Path], list[PoolSpec]],
        resets: list[Callable[[Path], None]],
    ) -> None:
        self._management = management
        self._pools = pools
        self._resets = resets

    def reset(self, tmp_path: Path) -> None:
        for reset in self._resets:
            reset(tmp_path)

    def configure(self, conf: cfg.ConfigOpts, tmp_path: Path) -> None:
        from zaqar.storage.sqlalchemy.driver import ControlDriver

        _use_sql(conf, self._management(tmp_path))
        conf.set_override("pooling", True, group="DEFAULT")
        control = ControlDriver(conf)
        try:
            for name, weight, uri, options in self._pools(tmp_path):
                control.pools_controller.create(name, weight, uri, options=options)
        finally:
            control.close()


def _pooled_clock(driver: base.DataDriver, clock: Clock) -> None:
    from zaqar.storage.pooling.driver import driver_name_for

    pooled: Any = driver
    for pool in pooled.control.pools_controller.list(limit=100).items:
        set_clock = _sql_clock if driver_name_for(pool.uri) == "sqlalchemy" else _redis_clock
        set_clock(pooled.pool_driver(pool.name), clock)


def _redis_pool(tmp_path: Path) -> PoolSpec:
    return ("redis", 1, _redis.url, {"prefix": _redis.prefix(tmp_path)})


_pooled_sqlite_redis = _Pooled(
    management=lambda tmp_path: f"sqlite:///{tmp_path / 'catalogue.sqlite'}",
    pools=lambda tmp_path: [
        ("sqlite", 1, f"sqlite:///{tmp_path / 'pool.sqlite'}", {"purge_interval": 0}),
        _redis_pool(tmp_path),
    ],
    resets=[_redis.reset],
)
_pooled_postgresql_redis = _Pooled(
    management=lambda tmp_path: _postgresql.url.render_as_string(hide_password=False),
    pools=lambda tmp_path: [
        (
            "postgresql",
            1,
            _postgresql.url.render_as_string(hide_password=False),
            {"purge_interval": 0},
        ),
        _redis_pool(tmp_path),
    ],
    resets=[_postgresql.reset, _redis.reset],
)

BACKENDS = [
    Backend("sqlite", "sqlalchemy", _no_reset, _configure_sqlite, _sql_clock),
    Backend("postgresql", "sqlalchemy", _postgresql.reset, _postgresql.configure, _sql_clock),
    Backend("mysql", "sqlalchemy", _mysql.reset, _mysql.configure, _sql_clock),
    Backend("redis", "redis", _redis.reset, _redis.configure, _redis_clock),
    Backend("redis-cluster", "redis", _redis_cluster.reset, _redis_cluster.configure, _redis_clock),
    Backend(
        "pooled-sqlite-redis",
        POOLED,
        _pooled_sqlite_redis.reset,
        _pooled_sqlite_redis.configure,
        _pooled_clock,
    ),
    Backend(
        "pooled-postgresql-redis",
        POOLED,
        _pooled_postgresql_redis.reset,
        _pooled_postgresql_redis.configure,
        _pooled_clock,
    ),
    Backend(
        "mongomock",
        "mongodb",
        _mongomock.reset,
        _mongomock.configure,
        _mongodb_clock,
        in_process_only=True,
    ),
]

if MONGODB_URL:
    _mongodb = _MongoDatabases(MONGODB_URL)
    BACKENDS.append(
        Backend("mongodb", "mongodb", _mongodb.reset, _mongodb.configure, _mongodb_clock)
    )

BY_NAME = {backend.name: backend for backend in BACKENDS}


def config_file_text(backend: Backend, tmp_path: Path) -> str:
    """A zaqar.conf selecting ``backend``'s storage, for a server in another process."""
    if backend.in_process_only:
        raise ValueError(f"the {backend.name} backend cannot serve another process")
    conf = zaqar.conf.load([], default_config_files=[])
    backend.configure(conf, tmp_path)
    lines: list[str] = []
    if conf["DEFAULT"].pooling:
        lines += ["[DEFAULT]", "pooling = True", ""]
    for group, _ in list_opts():
        if group != "drivers" and not group.startswith(
            ("drivers:message_store:", "drivers:management_store:")
        ):
            continue
        lines.append(f"[{group}]")
        for name, value in sorted(conf[group].items()):
            if value is not None:
                lines.append(f"{name} = {value}")
        lines.append("")
    return "\n".join(lines)
