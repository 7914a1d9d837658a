"""Searching one's chats in PostgreSQL: websearch_to_tsquery against each message's
generated tsvector (GIN-indexed) and each of the owner's chat titles, ranked by ts_rank,
the snippet cut by ts_headline around the matched words."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import text

from adapters.postgres.repository import PostgresRepository, uuid_str
from adapters.postgres.tables import SEARCH_CONFIG
from domain.chat import MessageRole
from domain.search import MATCH_END, MATCH_START, RANKED_MATCHES, SNIPPET_WORDS, SearchHit

_SEARCH = text(
    f"""
    WITH q AS (SELECT websearch_to_tsquery('{SEARCH_CONFIG}', :query) AS query),
    matches AS (
        -- Only the newest matches are ranked: a word in every message of a long history
        -- costs a bounded sort of ids and times, not a rank of every message.
        SELECT m.id
        FROM messages m JOIN chatrooms r ON r.id = m.chatroom_id CROSS JOIN q
        WHERE r.owner_id = :owner AND NOT r.temporary AND m.search @@ q.query
        ORDER BY m.created_at DESC
        LIMIT :candidates
    ),
    hits AS (
        SELECT m.id AS message_id, m.chatroom_id, r.title AS chatroom_title, m.role, m.created_at,
               ts_rank(m.search, q.query) AS rank,
               concat_ws(' ', m.content, nullif(array_to_string(ARRAY(
                   SELECT jsonb_array_elements_text(jsonb_path_query_array(m.attachments, '$[*].filename'))
               ), ', '), '')) AS body
        FROM matches x JOIN messages m ON m.id = x.id JOIN chatrooms r ON r.id = m.chatroom_id CROSS JOIN q
        UNION ALL
        SELECT NULL, r.id, r.title, NULL, r.updated_at,
               ts_rank(to_tsvector('{SEARCH_CONFIG}', r.title), q.query), r.title
        FROM chatrooms r CROSS JOIN q
        WHERE r.owner_id = :owner AND NOT r.temporary AND to_tsvector('{SEARCH_CONFIG}', r.title) @@ q.query
    ),
    page AS (
        SELECT * FROM hits
        ORDER BY rank DESC, created_at DESC, chatroom_id, message_id NULLS FIRST
        LIMIT :limit OFFSET :offset
    )
    SELECT page.message_id, page.chatroom_id, page.chatroom_title, page.role, page.created_at,
           ts_headline('{SEARCH_CONFIG}', page.body, q.query, :headline) AS snippet
    FROM page CROSS JOIN q
    ORDER BY page.rank DESC, page.created_at DESC, page.chatroom_id, page.message_id NULLS FIRST
    """  # noqa: S608 - only our own constant is formatted in; every value is a bound parameter
)
_HEADLINE = f"StartSel={MATCH_START}, StopSel={MATCH_END}, MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}"


class PostgresChatSearch(PostgresRepository):
    async def search(self, owner_id: str, query: str, *, limit: int, offset: int) -> Sequence[SearchHit]:
        statement = _SEARCH.bindparams(
            query=query,
            owner=uuid.UUID(owner_id),
            limit=limit,
            offset=offset,
            headline=_HEADLINE,
            candidates=RANKED_MATCHES,
        )
        return [
            SearchHit(
                chatroom_id=str(row.chatroom_id),
                chatroom_title=row.chatroom_title,
                message_id=uuid_str(row.message_id),
                role=MessageRole(row.role) if row.role else None,
                snippet=row.snippet,
                created_at=row.created_at,
            )
            for row in await self._execute(statement)
        ]
