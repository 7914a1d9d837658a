"""subscriptions by the provider's subscription id; customers in a table of their own

One row per user could hold one subscription: with two checkouts paid side by side,
cancelling one made the user Basic while they still paid for the other.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "billing_customers",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
        sa.UniqueConstraint("customer_id"),
    )
    op.execute(
        "INSERT INTO billing_customers (user_id, customer_id) "
        "SELECT user_id, customer_id FROM subscriptions WHERE customer_id IS NOT NULL"
    )
    op.execute("CREATE TEMPORARY TABLE previous_subscriptions ON COMMIT DROP AS SELECT * FROM subscriptions")
    op.drop_table("subscriptions")
    _create_subscriptions_by_id()
    op.execute(
        "INSERT INTO subscriptions"
        " (subscription_id, user_id, customer_id, status, current_period_end, cancel_at_period_end, as_of)"
        " SELECT subscription_id, user_id, customer_id, status, current_period_end, cancel_at_period_end, as_of"
        " FROM previous_subscriptions WHERE subscription_id IS NOT NULL"
    )


def _create_subscriptions_by_id() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("subscription_id", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("current_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("subscription_id"),
    )
    op.create_index("ix_subscriptions_user_id", "subscriptions", ["user_id"])


def downgrade() -> None:
    """Back to one row per user: the newest subscription of each (and its customer)."""
    op.execute("CREATE TEMPORARY TABLE newer_subscriptions ON COMMIT DROP AS SELECT * FROM subscriptions")
    op.drop_table("subscriptions")
    op.create_table(
        "subscriptions",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=True),
        sa.Column("subscription_id", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("current_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
        sa.UniqueConstraint("customer_id"),
    )
    op.execute(
        "INSERT INTO subscriptions"
        " (user_id, customer_id, subscription_id, status, current_period_end, cancel_at_period_end, as_of)"
        " SELECT DISTINCT ON (s.user_id) s.user_id, c.customer_id, s.subscription_id,"
        " s.status, s.current_period_end, s.cancel_at_period_end, s.as_of"
        " FROM newer_subscriptions s LEFT JOIN billing_customers c ON c.user_id = s.user_id"
        " ORDER BY s.user_id, s.as_of DESC NULLS LAST"
    )
    op.execute(
        "INSERT INTO subscriptions (user_id, customer_id, status, cancel_at_period_end) "
        "SELECT c.user_id, c.customer_id, 'none', false FROM billing_customers c "
        "WHERE NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = c.user_id)"
    )
    op.drop_table("billing_customers")
