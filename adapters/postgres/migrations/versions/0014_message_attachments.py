"""attachments: the files a message carries, on the message and linked to their uploads

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("attachments", JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")))
    op.create_table(
        "message_attachments",
        sa.Column("message_id", sa.Uuid(), sa.ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
        sa.Column("upload_id", sa.Uuid(), sa.ForeignKey("uploads.id", ondelete="CASCADE"), nullable=False),
        sa.PrimaryKeyConstraint("message_id", "upload_id"),
    )
    op.create_index("ix_message_attachments_upload", "message_attachments", ["upload_id"])


def downgrade() -> None:
    op.drop_index("ix_message_attachments_upload", table_name="message_attachments")
    op.drop_table("message_attachments")
    op.drop_column("messages", "attachments")
