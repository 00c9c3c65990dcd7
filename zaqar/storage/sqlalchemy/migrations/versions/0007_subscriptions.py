"""Subscriptions (API v2): who is told of a queue's messages, one live subscription per
subscriber and queue.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql, postgresql

revision = "0007"
down_revision = "0006"
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


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("project", _Project, nullable=False),
        sa.Column("queue", _Name, nullable=False),
        sa.Column("subscriber", sa.Text, nullable=False),
        sa.Column("subscriber_digest", sa.String(64), nullable=False),
        sa.Column("ttl", sa.BigInteger, nullable=False),
        sa.Column("created", sa.Double, nullable=False),
        sa.Column("expires", sa.Double, nullable=False),
        sa.Column("options", _Document, nullable=False),
        sa.Column("confirmed", sa.Boolean, nullable=False),
        sa.UniqueConstraint(
            "project", "queue", "subscriber_digest", name="uq_subscriptions_subscriber"
        ),
    )
    op.create_index("ix_subscriptions_queue_id", "subscriptions", ["project", "queue", "id"])
    op.create_index("ix_subscriptions_expires", "subscriptions", ["expires"])


def downgrade() -> None:
    op.drop_index("ix_subscriptions_expires", "subscriptions")
    op.drop_index("ix_subscriptions_queue_id", "subscriptions")
    op.drop_table("subscriptions")
