"""exports: archives of a person's chats, written by a worker

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exports",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("owner_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("chatrooms_total", sa.Integer(), nullable=False),
        sa.Column("chatrooms_done", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger()),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_exports_owner_created", "exports", ["owner_id", "created_at"])
    op.create_index("ix_exports_finished", "exports", ["finished_at"])


def downgrade() -> None:
    op.drop_index("ix_exports_finished", table_name="exports")
    op.drop_index("ix_exports_owner_created", table_name="exports")
    op.drop_table("exports")
