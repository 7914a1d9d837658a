"""search: each message's words and files' names as a tsvector, with a GIN index

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Written out rather than imported: a migration stays what it was when it ran.
    op.execute(
        """
        ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (
            to_tsvector('simple'::regconfig, content || ' ' || regexp_replace(
                jsonb_path_query_array(attachments, '$[*].filename')::text, '[^[:alnum:]]+', ' ', 'g'
            ))
        ) STORED
        """
    )
    op.create_index("ix_messages_search", "messages", ["search"], postgresql_using="gin")


def downgrade() -> None:
    op.drop_index("ix_messages_search", table_name="messages")
    op.drop_column("messages", "search")
