"""Delayed messages (API v2): until when each message stays invisible; and client ids that
are no UUIDs (``client_id_uuid_safe = off``, up to 36 characters).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch_alter_table: SQLite cannot alter a column in place; elsewhere it is one ALTER.
    with op.batch_alter_table("messages") as batch:
        # Messages stored before this revision were never delayed.
        batch.add_column(sa.Column("delay_until", sa.Double, nullable=False, server_default="0"))
        batch.alter_column(
            "client_uuid", existing_type=sa.String(32), type_=sa.String(36), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.alter_column(
            "client_uuid", existing_type=sa.String(36), type_=sa.String(32), existing_nullable=False
        )
        batch.drop_column("delay_until")
