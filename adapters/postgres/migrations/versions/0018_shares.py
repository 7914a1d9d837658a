"""shares: frozen copies of chats behind unguessable links

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shares",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("owner_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("chatroom_id", sa.Uuid(), sa.ForeignKey("chatrooms.id", ondelete="CASCADE"), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("messages", JSONB(), nullable=False),
    )
    op.create_index("ix_shares_owner_created", "shares", ["owner_id", "created_at"])
    op.create_index("ix_shares_chatroom", "shares", ["chatroom_id"])


def downgrade() -> None:
    op.drop_index("ix_shares_chatroom", table_name="shares")
    op.drop_index("ix_shares_owner_created", table_name="shares")
    op.drop_table("shares")
