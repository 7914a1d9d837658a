"""refund once: replies remember whether their message went back to the quota

Replies that had failed by now were given back when they failed.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A default, so rows written by anything that does not know the column (an older
    # release during a rolling deploy, a bulk load) are valid and mean "not refunded".
    op.add_column("messages", sa.Column("refunded", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE messages SET refunded = true WHERE role = 'model' AND status = 'failed'")


def downgrade() -> None:
    op.drop_column("messages", "refunded")
