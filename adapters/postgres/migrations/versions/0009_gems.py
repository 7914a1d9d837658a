"""gems: a person's saved assistants, and the instructions a chat took from one

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
    op.create_table(
        "gems",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("owner_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("temperature", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_gems_owner_created", "gems", ["owner_id", "created_at", "id"])
    op.add_column("chatrooms", sa.Column("gem_instructions", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("chatrooms", "gem_instructions")
    op.drop_index("ix_gems_owner_created", table_name="gems")
    op.drop_table("gems")
