"""proven numbers: users.verified_at, sign-up details held with their code

Accounts that already had a password when this ran cannot show that the number's owner
set it (sign-up asked for no code before), so they start unverified: their password
opens nothing until somebody signs in with a code, which drops it. Accounts without a
password could only ever be reached with a code, so they count as verified.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET verified_at = created_at WHERE password_hash IS NULL")
    op.add_column("otp_challenges", sa.Column("signup_flow_hash", sa.String(length=64), nullable=True))
    op.add_column("otp_challenges", sa.Column("signup_password_hash", sa.Text(), nullable=True))
    op.add_column("otp_challenges", sa.Column("signup_name", sa.Text(), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM otp_challenges WHERE purpose IN ('signup', 'confirm')")
    op.drop_column("otp_challenges", "signup_name")
    op.drop_column("otp_challenges", "signup_password_hash")
    op.drop_column("otp_challenges", "signup_flow_hash")
    op.drop_column("users", "verified_at")
