"""Flavors: a project's named sets of pools (API v2).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql, postgresql

revision = "0005"
down_revision = "0004"
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


def upgrade() -> None:
    op.create_table(
        "flavors",
        sa.Column("project", _Project, primary_key=True),
        sa.Column("name", _Name, primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("flavors")
