"""uploads never sent with a message, oldest first, for the sweeper

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_uploads_unattached", "uploads", ["created_at"], postgresql_where=sa.text("message_id IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_uploads_unattached", table_name="uploads")
