"""chatrooms and gems name the model they answer with (null: the plan's default)

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("chatrooms", sa.Column("model", sa.String(128), nullable=True))
    op.add_column("gems", sa.Column("model", sa.String(128), nullable=True))


def downgrade() -> None:
    op.drop_column("gems", "model")
    op.drop_column("chatrooms", "model")
