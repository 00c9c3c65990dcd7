"""The pool a queue is being moved to (queue migration between pools).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql, postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The type as it was at this revision; later changes to tables.py do not alter it.
_Name = (
    sa.String(64)
    .with_variant(mysql.VARCHAR(64, charset="utf8mb4", collation="utf8mb4_bin"), "mysql")
    .with_variant(postgresql.VARCHAR(64, collation="C"), "postgresql")
)


def upgrade() -> None:
    op.add_column("catalogue", sa.Column("moving_to", _Name, nullable=True))
    op.create_index("ix_catalogue_moving_to", "catalogue", ["moving_to"])


def downgrade() -> None:
    op.drop_index("ix_catalogue_moving_to", "catalogue")
    op.drop_column("catalogue", "moving_to")
