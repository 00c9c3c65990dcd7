"""Alembic environment: runs on the connection ``zaqar.storage.sqlalchemy.schema`` hands in."""

from __future__ import annotations

from alembic import context

from zaqar.storage.sqlalchemy import tables

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=tables.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
