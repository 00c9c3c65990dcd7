"""Push delivery: each subscription's signing key, cursor and lease, the queues' outboxes,
the delivery log and the dead letters.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql, postgresql

revision = "0008"
down_revision = "0007"
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
    with op.batch_alter_table("subscriptions") as table:
        table.add_column(sa.Column("secret", sa.String(64), nullable=True))
        table.add_column(
            sa.Column("cursor_marker", sa.BigInteger, nullable=False, server_default="0")
        )
        table.add_column(sa.Column("lease_owner", sa.String(64), nullable=True))
        table.add_column(sa.Column("lease_until", sa.Double, nullable=False, server_default="0"))
    op.create_table(
        "outbox",
        sa.Column("project", _Project, primary_key=True),
        sa.Column("queue", _Name, primary_key=True),
        sa.Column("marker", sa.BigInteger, primary_key=True),
        sa.Column("message_id", sa.String(32), nullable=False),
        sa.Column("ttl", sa.Integer, nullable=False),
        sa.Column("body", _Document, nullable=False),
        sa.Column("posted", sa.Double, nullable=False),
        sa.Column("expires", sa.Double, nullable=False),
    )
    op.create_index("ix_outbox_expires", "outbox", ["expires"])
    op.create_table(
        "delivery_attempts",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("subscription_id", sa.String(32), nullable=False),
        sa.Column("marker", sa.BigInteger, nullable=False),
        sa.Column("message_id", sa.String(32), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("at", sa.Double, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("latency", sa.Double, nullable=False),
        sa.Column("next_try", sa.Double, nullable=True),
    )
    op.create_index(
        "ix_delivery_attempts_subscription", "delivery_attempts", ["subscription_id", "id"]
    )
    op.create_table(
        "dead_letters",
        sa.Column("subscription_id", sa.String(32), primary_key=True),
        sa.Column("marker", sa.BigInteger, primary_key=True),
        sa.Column("message_id", sa.String(32), nullable=False),
        sa.Column("ttl", sa.Integer, nullable=False),
        sa.Column("body", _Document, nullable=False),
        sa.Column("posted", sa.Double, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("failed", sa.Double, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dead_letters")
    op.drop_index("ix_delivery_attempts_subscription", "delivery_attempts")
    op.drop_table("delivery_attempts")
    op.drop_index("ix_outbox_expires", "outbox")
    op.drop_table("outbox")
    with op.batch_alter_table("subscriptions") as table:
        table.drop_column("lease_until")
        table.drop_column("lease_owner")
        table.drop_column("cursor_marker")
        table.drop_column("secret")
