"""Schema versions of the SQL store, kept by alembic.

A database with no tables at all is brought to the latest revision when a driver starts, so
a new deployment (and the embedded SQLite default) needs no extra step. A database at any
other revision than the code's is refused with the command that upgrades it: schema changes
on a live database are an operator's decision, never a side effect of starting a server.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from zaqar.storage import errors

UPGRADE_COMMAND = "zaqar-manage db upgrade"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "zaqar.storage.sqlalchemy:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head() -> str:
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def is_empty(connection: Connection) -> bool:
    return not inspect(connection).get_table_names()


def upgrade(connection: Connection) -> None:
    """Bring the schema to the latest revision (what ``zaqar-manage db upgrade`` runs)."""
    command.upgrade(_config(connection), "head")


def ensure_current(connection: Connection) -> None:
    """Create the schema in an empty database; refuse one at another revision."""
    if is_empty(connection):
        upgrade(connection)
        return
    found = current(connection)
    wanted = head()
    if found != wanted:
        raise errors.BadConfiguration(
            f"the database schema is at revision {found or 'none'} but this server needs "
            f"{wanted}; run '{UPGRADE_COMMAND}' with the same configuration first"
        )
