"""file_deletions: bytes of deleted uploads still to be deleted from the file store

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "file_deletions",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("noted_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    )
    op.create_index("ix_file_deletions_noted", "file_deletions", ["noted_at"])


def downgrade() -> None:
    op.drop_index("ix_file_deletions_noted", table_name="file_deletions")
    op.drop_table("file_deletions")
