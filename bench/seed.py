"""Conversations written straight into PostgreSQL, for the bench and the tests that need
a room of 100,000 messages (through the API that would take an hour)."""

from __future__ import annotations

import uuid
from typing import Any

_CHAIN = """
CREATE TEMP TABLE seed_chain ON COMMIT DROP AS
SELECT g, gen_random_uuid() AS id FROM generate_series(1, $1::int) g
"""

_MAIN_BRANCH = """
INSERT INTO messages (id, chatroom_id, role, content, status, created_at, completed_at, attempt, refunded,
                      parent_id, reply_to, finish_reason)
SELECT c.id, $1, CASE WHEN c.g % 2 = 1 THEN 'user' ELSE 'model' END,
       rpad(t.text, greatest(char_length(t.text), $2::int), ' More about the trip.'),
       'completed', now() - interval '1 day' + c.g * interval '1 millisecond', now(), 1, false,
       p.id, CASE WHEN c.g % 2 = 0 THEN p.id END, CASE WHEN c.g % 2 = 0 THEN 'stop' END
FROM seed_chain c LEFT JOIN seed_chain p ON p.g = c.g - 1
CROSS JOIN LATERAL (SELECT 'Message ' || c.g || ': a reply of a realistic length, a sentence or two about the trip.'
                    AS text) t
"""

# At every ``$2``-th reply of the main branch, a newer version of that reply (a
# regenerated answer) with one more exchange after it: a branch of three messages.
_BRANCHES = """
INSERT INTO messages (id, chatroom_id, role, content, status, created_at, completed_at, attempt, refunded,
                      parent_id, reply_to, finish_reason)
SELECT x.id, $1, x.role, 'Version ' || a.g || '.' || x.k || ' of the conversation, on a branch of its own.',
       'completed', now() - interval '1 day' + ($3::int + a.g * 3 + x.k) * interval '1 millisecond', now(), 1,
       false, x.parent_id, x.reply_to, CASE WHEN x.role = 'model' THEN 'stop' END
FROM (SELECT c.g, p.id AS asked, gen_random_uuid() AS version, gen_random_uuid() AS follow_up,
             gen_random_uuid() AS answer
      FROM seed_chain c JOIN seed_chain p ON p.g = c.g - 1
      WHERE c.g % 2 = 0 AND c.g % $2::int = 0) a
CROSS JOIN LATERAL (VALUES (a.version, 'model', a.asked, a.asked, 0),
                           (a.follow_up, 'user', a.version, NULL::uuid, 1),
                           (a.answer, 'model', a.follow_up, a.follow_up, 2)) AS x(id, role, parent_id, reply_to, k)
"""


async def seed_conversation(
    connection: Any, room_id: str, *, messages: int, branch_every: int | None = None, length: int = 0
) -> dict[str, Any]:
    """A branch of ``messages`` messages (user and model in turns, an even count so it
    ends with a reply) that the room shows, and when ``branch_every`` is given, a
    three-message branch off every ``branch_every``-th message of it. Each message of
    the main branch is a sentence of some 80 characters, padded to ``length`` with
    more about the trip. Returns the ids
    of the main branch, oldest first, and the number of branches."""
    room = uuid.UUID(room_id)
    async with connection.transaction():
        await connection.execute(_CHAIN, messages)
        await connection.execute(_MAIN_BRANCH, room, length)
        branches = 0
        if branch_every:
            status = await connection.execute(_BRANCHES, room, branch_every, messages)
            branches = int(status.rsplit(" ", 1)[-1]) // 3
        chain = [str(r["id"]) for r in await connection.fetch("SELECT id FROM seed_chain ORDER BY g")]
        await connection.execute("UPDATE chatrooms SET active_leaf_id = $2 WHERE id = $1", room, uuid.UUID(chain[-1]))
    return {"main": chain, "branches": branches}
