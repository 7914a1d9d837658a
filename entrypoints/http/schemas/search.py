"""Search results."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Literal

from msgspec import Struct

from domain.search import MATCH_END, MATCH_START, SearchHit


def marked(snippet: str) -> str:
    """The snippet as HTML that is safe to insert: its text escaped, its matched words in
    <mark> tags (the only markup in it)."""
    return html.escape(snippet, quote=False).replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>")


class SearchHitBody(Struct):
    chatroom_id: str
    chatroom_title: str
    # Null when the chat's title matched rather than one of its messages.
    message_id: str | None
    role: Literal["user", "model"] | None
    # Around the first match, as HTML: escaped text, the matched words in <mark>.
    snippet: str
    created_at: datetime

    @classmethod
    def from_domain(cls, hit: SearchHit) -> SearchHitBody:
        return cls(
            chatroom_id=hit.chatroom_id,
            chatroom_title=hit.chatroom_title,
            message_id=hit.message_id,
            role=hit.role.value if hit.role else None,
            snippet=marked(hit.snippet),
            created_at=hit.created_at,
        )


class SearchResponse(Struct):
    items: list[SearchHitBody]
    next_cursor: str | None
