"""Pools and the catalogue that places queues on them (pooling).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql, postgresql

revision = "0002"
down_revision = "0001"
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
_Uri = (
    sa.String(255)
    .with_variant(mysql.VARCHAR(255, charset="utf8mb4", collation="utf8mb4_bin"), "mysql")
    .with_variant(postgresql.VARCHAR(255, collation="C"), "postgresql")
)
_Document = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql")


def upgrade() -> None:
    op.create_table(
        "pools",
        sa.Column("name", _Name, primary_key=True),
        sa.Column("uri", _Uri, nullable=False),
        sa.Column("weight", sa.BigInteger, nullable=False),
        sa.Column("flavor", _Name, nullable=True),
        sa.Column("options", _Document, nullable=False),
        sa.UniqueConstraint("uri", name="uq_pools_uri"),
    )
    op.create_table(
        "catalogue",
        sa.Column("project", _Project, primary_key=True),
        sa.Column("queue", _Name, primary_key=True),
        sa.Column("pool", _Name, nullable=False),
    )
    op.create_index("ix_catalogue_pool", "catalogue", ["pool"])


def downgrade() -> None:
    op.drop_table("catalogue")
    op.drop_table("pools")
