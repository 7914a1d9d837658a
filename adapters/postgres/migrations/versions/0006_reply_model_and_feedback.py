"""replies record the model that wrote them and what the user thought of them

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("model", sa.String(length=128), nullable=True))
    op.add_column("messages", sa.Column("feedback_rating", sa.String(length=8), nullable=True))
    op.add_column("messages", sa.Column("feedback_comment", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("messages", "feedback_comment")
    op.drop_column("messages", "feedback_rating")
    op.drop_column("messages", "model")
