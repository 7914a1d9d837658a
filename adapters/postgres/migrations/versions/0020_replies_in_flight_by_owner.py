"""messages.owner_id: a user's replies in flight counted from their own rows

Revision ID: 0020
Revises: 0019

A send counted the sender's unfinished replies through every user's (the partial index
of unfinished messages, joined to the rooms' owners): a cost that grew with the whole
service's replies in flight. Each message now carries its room's owner, written as it
is added, and the partial index is by owner.

Only the messages that can be in flight again are given their owner here: the
unfinished ones and the failed ones (an operator may retry a failed reply). Setting it
on every older message would rewrite the whole table for rows the count never reads.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_UNFINISHED = "status IN ('pending', 'streaming')"


def upgrade() -> None:
    op.add_column("messages", sa.Column("owner_id", sa.Uuid()))
    op.execute(
        "UPDATE messages m SET owner_id = c.owner_id FROM chatrooms c"
        " WHERE c.id = m.chatroom_id AND m.status IN ('pending', 'streaming', 'failed')"
    )
    op.create_index("ix_messages_unfinished_of_owner", "messages", ["owner_id"], postgresql_where=sa.text(_UNFINISHED))


def downgrade() -> None:
    op.drop_index("ix_messages_unfinished_of_owner", table_name="messages", postgresql_where=sa.text(_UNFINISHED))
    op.drop_column("messages", "owner_id")
