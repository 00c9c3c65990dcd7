"""Dead letters an operator asked to be delivered again.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dead_letters") as table:
        table.add_column(sa.Column("replay", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index(
        "ix_dead_letters_replay", "dead_letters", ["subscription_id", "replay", "marker"]
    )


def downgrade() -> None:
    op.drop_index("ix_dead_letters_replay", "dead_letters")
    with op.batch_alter_table("dead_letters") as table:
        table.drop_column("replay")
