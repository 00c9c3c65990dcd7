"""Queues and messages (claims live on the messages).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql, postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The types as they were at this revision; later changes to tables.py do not alter them.
_Name = (
    sa.String(64)
    .with_variant(mysql.VARCHAR(64, charset="utf8mb4", collation="utf8mb4_bin"), "mysql")
    .with_variant(postgresql.VARCHAR(64, collation="C"), "postgresql")
)
_Project = (
    sa.String(256)
    .with_variant(mysql.VARCHAR(256, charset="utf8mb4", collation="utf8mb4_bin"), "mysql")
    .with_variant(postgresql.VARCHAR(256, collation="C"), "postgresql")
)
_Document = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql")
_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "queues",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("project", _Project, nullable=False),
        sa.Column("name", _Name, nullable=False),
        sa.Column("metadata", _Document, nullable=False),
        sa.Column("created", sa.Double, nullable=False),
        sa.Column("next_marker", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("project", "name", name="uq_queues_project_name"),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("queue_id", _Id, nullable=False),
        sa.Column("marker", sa.BigInteger, nullable=False),
        sa.Column("client_uuid", sa.String(32), nullable=False),
        sa.Column("ttl", sa.Integer, nullable=False),
        sa.Column("created", sa.Double, nullable=False),
        sa.Column("expires", sa.Double, nullable=False),
        sa.Column("body", _Document, nullable=False),
        sa.Column("claim_id", sa.String(32), nullable=True),
        sa.Column("claim_expires", sa.Double, nullable=True),
        sa.Column("claim_ttl", sa.Integer, nullable=True),
        sa.Column("claim_count", sa.Integer, nullable=False),
        sa.UniqueConstraint("queue_id", "marker", name="uq_messages_queue_marker"),
    )
    op.create_index("ix_messages_queue_claim", "messages", ["queue_id", "claim_id"])
    op.create_index("ix_messages_expires", "messages", ["expires"])


def downgrade() -> None:
    op.drop_table("messages")
    op.drop_table("queues")
