"""chatrooms pinned, archived or temporary; the list pinned first

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for flag in ("pinned", "archived", "temporary"):
        op.add_column("chatrooms", sa.Column(flag, sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index(
        "ix_chatrooms_owner_listed",
        "chatrooms",
        ["owner_id", "archived", sa.text("pinned DESC"), sa.text("updated_at DESC"), sa.text("id DESC")],
        postgresql_where=sa.text("NOT temporary"),
    )
    op.create_index("ix_chatrooms_temporary", "chatrooms", ["updated_at"], postgresql_where=sa.text("temporary"))
    op.drop_index("ix_chatrooms_owner_activity", table_name="chatrooms")


def downgrade() -> None:
    op.create_index(
        "ix_chatrooms_owner_activity", "chatrooms", ["owner_id", sa.text("updated_at DESC"), sa.text("id DESC")]
    )
    op.drop_index("ix_chatrooms_temporary", table_name="chatrooms")
    op.drop_index("ix_chatrooms_owner_listed", table_name="chatrooms")
    for flag in ("temporary", "archived", "pinned"):
        op.drop_column("chatrooms", flag)
