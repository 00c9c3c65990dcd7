"""Message checksums (API v1.1/v2 ``enable_checksum``): the checksum of each message's body,
computed by the API when the message is posted.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch_alter_table: SQLite cannot alter a table in place; elsewhere it is one ALTER.
    with op.batch_alter_table("messages") as batch:
        # Messages stored before this revision have no checksum (NULL).
        batch.add_column(sa.Column("checksum", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("checksum")
