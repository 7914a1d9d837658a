"""conversation tree: messages know the message they follow; a chatroom knows the branch shown

Today's linear history becomes one branch: a reply follows the user message it answers,
a user message follows the latest reply written before it, and each chatroom shows its
newest message. Replies record why they ended (finished ones: stop or error).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("parent_id", sa.Uuid(), nullable=True))
    op.add_column("messages", sa.Column("finish_reason", sa.String(length=16), nullable=True))
    op.add_column("chatrooms", sa.Column("active_leaf_id", sa.Uuid(), nullable=True))
    op.execute("UPDATE messages SET parent_id = reply_to WHERE role = 'model'")
    op.execute(
        """
        UPDATE messages m SET parent_id = (
            SELECT p.id FROM messages p
            WHERE p.chatroom_id = m.chatroom_id AND p.role = 'model' AND p.created_at < m.created_at
            ORDER BY p.created_at DESC, p.id DESC LIMIT 1)
        WHERE m.role = 'user'
        """
    )
    op.execute("UPDATE messages SET finish_reason = 'stop' WHERE role = 'model' AND status = 'completed'")
    op.execute("UPDATE messages SET finish_reason = 'error' WHERE role = 'model' AND status = 'failed'")
    op.execute(
        """
        UPDATE chatrooms c SET active_leaf_id = (
            SELECT m.id FROM messages m WHERE m.chatroom_id = c.id
            ORDER BY m.created_at DESC, (m.role = 'model') DESC, m.id DESC LIMIT 1)
        """
    )
    op.create_index(
        "ix_messages_children",
        "messages",
        ["chatroom_id", "parent_id", sa.text("created_at DESC"), sa.text("id DESC")],
    )


def downgrade() -> None:
    op.drop_index("ix_messages_children", table_name="messages")
    op.drop_column("chatrooms", "active_leaf_id")
    op.drop_column("messages", "finish_reason")
    op.drop_column("messages", "parent_id")
