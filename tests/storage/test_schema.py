"""Schema versions of the SQL store: created when empty, refused when out of date."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from oslo_config import cfg

import zaqar.conf
from zaqar.cmd import manage
from zaqar.storage import errors
from zaqar.storage.sqlalchemy import schema, tables
from zaqar.storage.sqlalchemy.driver import ControlDriver, DataDriver

from .support import BACKENDS, Backend

SQL_BACKENDS = [backend for backend in BACKENDS if backend.driver == "sqlalchemy"]


@pytest.fixture(params=[backend.name for backend in SQL_BACKENDS])
def sql_conf(request: pytest.FixtureRequest, tmp_path: Path) -> cfg.ConfigOpts:
    backend: Backend = next(b for b in SQL_BACKENDS if b.name == request.param)
    conf = zaqar.conf.load([], default_config_files=[])
    backend.prepare(conf, tmp_path)
    return conf


def _engine(conf: cfg.ConfigOpts) -> sa.Engine:
    return sa.create_engine(conf["drivers:message_store:sqlalchemy"].uri)


def _start(conf: cfg.ConfigOpts) -> DataDriver:
    return DataDriver(conf, ControlDriver(conf))


def test_the_tables_match_the_latest_migration(sql_conf: cfg.ConfigOpts) -> None:
    _start(sql_conf).close()
    engine = _engine(sql_conf)
    try:
        with engine.connect() as connection:
            assert schema.current(connection) == schema.head()
            differences = compare_metadata(MigrationContext.configure(connection), tables.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_a_driver_on_a_schema_of_another_revision_refuses_to_start(
    sql_conf: cfg.ConfigOpts,
) -> None:
    _start(sql_conf).close()
    engine = _engine(sql_conf)
    version = sa.text("UPDATE alembic_version SET version_num = :revision")
    try:
        with engine.begin() as connection:
            connection.execute(version, {"revision": "0000"})
        with pytest.raises(errors.BadConfiguration, match="zaqar-manage db upgrade"):
            _start(sql_conf)
    finally:
        # The server databases are shared by the whole run: leave them as found.
        with engine.begin() as connection:
            connection.execute(version, {"revision": schema.head()})
        engine.dispose()


def test_zaqar_manage_db_upgrade_creates_the_schema_in_an_empty_sqlite_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "fresh.sqlite"
    config = tmp_path / "zaqar.conf"
    uri = f"sqlite:///{database}"
    config.write_text(
        f"[drivers:message_store:sqlalchemy]\nuri = {uri}\n"
        f"[drivers:management_store:sqlalchemy]\nuri = {uri}\n"
    )
    args = ["--config-file", str(config)]
    assert manage.main(["db", "current", *args]) == 0
    output = capsys.readouterr().out
    assert output.count("\n") == 1, "both stores share one database, listed once"
    assert "no schema" in output
    assert manage.main(["db", "upgrade", *args]) == 0
    assert manage.main(["db", "current", *args]) == 0
    assert f"{schema.head()} (latest {schema.head()})" in capsys.readouterr().out


def test_zaqar_manage_db_upgrade_keeps_the_data_of_an_older_revision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "old.sqlite"
    uri = f"sqlite:///{database}"
    config = tmp_path / "zaqar.conf"
    config.write_text(
        f"[drivers:message_store:sqlalchemy]\nuri = {uri}\n"
        f"[drivers:management_store:sqlalchemy]\nuri = {uri}\n"
    )
    engine = sa.create_engine(uri)
    try:
        with engine.begin() as connection:
            alembic_config = schema._config(connection)
            command.upgrade(alembic_config, "0001")
            connection.execute(
                tables.queues.insert().values(
                    project="p", name="kept", metadata="{}", created=1.0, next_marker=1
                )
            )
        conf = zaqar.conf.load(["--config-file", str(config)], default_config_files=[])
        with pytest.raises(errors.BadConfiguration, match="revision 0001"):
            _start(conf)

        assert manage.main(["db", "upgrade", "--config-file", str(config)]) == 0
        driver = _start(conf)
        try:
            assert driver.queue_controller.exists("kept", "p")
            driver.control.pools_controller.create("p1", 1, "redis://a")  # type: ignore[attr-defined]
        finally:
            driver.close()
            driver.control.close()
    finally:
        engine.dispose()


def test_revision_0006_adds_message_checksums_and_older_messages_have_none(
    tmp_path: Path,
) -> None:
    uri = f"sqlite:///{tmp_path / 'checksums.sqlite'}"
    engine = sa.create_engine(uri)
    message_id = "a" * 32
    try:
        with engine.begin() as connection:
            command.upgrade(schema._config(connection), "0005")
            connection.execute(
                sa.text(
                    "INSERT INTO queues (id, project, name, metadata, created, next_marker) "
                    "VALUES (1, '', 'old', '{}', 1.0, 2)"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO messages (id, queue_id, marker, client_uuid, ttl, created, "
                    "expires, body, claim_count, delay_until) "
                    "VALUES (:id, 1, 1, 'c', 300, 1.0, 1e12, '{\"n\": 1}', 0, 0)"
                ),
                {"id": message_id},
            )
            command.upgrade(schema._config(connection), "0006")
            stored = connection.execute(sa.text("SELECT checksum FROM messages")).scalar_one()
            assert stored is None
            # And back: the downgrade drops the column, keeping the message.
            command.downgrade(schema._config(connection), "0005")
            columns = {column["name"] for column in sa.inspect(connection).get_columns("messages")}
            assert "checksum" not in columns
            command.upgrade(schema._config(connection), "head")
        conf = zaqar.conf.load([], default_config_files=[])
        for group in ("drivers:message_store:sqlalchemy", "drivers:management_store:sqlalchemy"):
            conf.set_override("uri", uri, group=group)
        driver = _start(conf)
        try:
            old = driver.message_controller.get("old", message_id)
            assert (old.body, old.checksum) == ({"n": 1}, None)
        finally:
            driver.close()
            driver.control.close()
    finally:
        engine.dispose()


def test_revision_0007_adds_subscriptions_and_keeps_what_was_there(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'subscriptions.sqlite'}"
    engine = sa.create_engine(uri)
    try:
        with engine.begin() as connection:
            command.upgrade(schema._config(connection), "0006")
            connection.execute(
                sa.text(
                    "INSERT INTO queues (id, project, name, metadata, created, next_marker) "
                    "VALUES (1, 'p', 'old', '{}', 1.0, 1)"
                )
            )
            command.upgrade(schema._config(connection), "0007")
            assert "subscriptions" in sa.inspect(connection).get_table_names()
            # And back: the downgrade drops the table, keeping the queue.
            command.downgrade(schema._config(connection), "0006")
            assert "subscriptions" not in sa.inspect(connection).get_table_names()
            command.upgrade(schema._config(connection), "head")
        conf = zaqar.conf.load([], default_config_files=[])
        for group in ("drivers:message_store:sqlalchemy", "drivers:management_store:sqlalchemy"):
            conf.set_override("uri", uri, group=group)
        driver = _start(conf)
        try:
            assert driver.queue_controller.exists("old", "p")
            made = driver.subscription_controller.create("old", "http://a", 60, {}, "p")
            assert made is not None
            assert driver.subscription_controller.get("old", made, "p").subscriber == "http://a"
        finally:
            driver.close()
            driver.control.close()
    finally:
        engine.dispose()
