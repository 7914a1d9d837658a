"""a chatroom's own instruction to the model and temperature

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A constant default: existing rooms get it without a table rewrite.
    op.add_column("chatrooms", sa.Column("system_instruction", sa.Text(), nullable=False, server_default=""))
    op.add_column("chatrooms", sa.Column("temperature", sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column("chatrooms", "temperature")
    op.drop_column("chatrooms", "system_instruction")
