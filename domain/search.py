"""Searching one's own chats: what is asked, and what is found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.chat import MessageRole
from domain.text import bounded_text

MAX_QUERY_LENGTH = 200
# Around each matched word of a snippet; the HTTP layer turns them into <mark> tags.
MATCH_START, MATCH_END = "\x02", "\x03"
# The newest messages that match, at most this many, are ranked and shown: a word found
# in every message of a long history costs a bounded sort, not a rank of each.
RANKED_MATCHES = 1000
# Snippets are cut around the first match to about this many words.
SNIPPET_WORDS = 24


def clean_query(raw: str) -> str:
    """Web-search syntax: words (all of them), "a phrase", -left-out, this or that."""
    return bounded_text("q", raw, MAX_QUERY_LENGTH, required=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchHit:
    chatroom_id: str
    chatroom_title: str
    # None when the chat's title matched rather than one of its messages.
    message_id: str | None
    role: MessageRole | None
    # The matched words between MATCH_START and MATCH_END.
    snippet: str
    created_at: datetime
