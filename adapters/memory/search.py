"""Searching one's chats in memory, with PostgreSQL's semantics for what the contract
tests ask: words lower-cased as its "simple" configuration does, web-search syntax
(every word, "a phrase", -left-out, this or that), more occurrences ranking higher, and
snippets cut around the first match with the matched words marked."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from adapters.memory.tables import Table, Transaction
from domain.chat import Chatroom, Message
from domain.search import MATCH_END, MATCH_START, SNIPPET_WORDS, SearchHit

# Letters and digits: underscores and punctuation separate words, as PostgreSQL's parser has it.
_WORD = re.compile(r"[^\W_]+")
_TERM = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')


@dataclass(frozen=True, slots=True)
class _Term:
    words: tuple[str, ...]
    negated: bool

    def count(self, tokens: list[str]) -> int:
        size = len(self.words)
        return sum(1 for i in range(len(tokens) - size + 1) if tuple(tokens[i : i + size]) == self.words)


def _query(raw: str) -> list[list[_Term]]:
    """Groups of alternatives (``or``), every group required."""
    groups: list[list[_Term]] = []
    joining = False
    for match in _TERM.finditer(raw):
        negated = bool(match.group(1) or match.group(3))
        text = match.group(2) if match.group(2) is not None else match.group(4)
        if match.group(4) is not None and text.lower() == "or" and groups:
            joining = True
            continue
        words = tuple(word.lower() for word in _WORD.findall(text))
        if not words:
            continue
        term = _Term(words, negated)
        if joining and not negated:
            groups[-1].append(term)
        else:
            groups.append([term])
        joining = False
    return groups


def _rank(groups: list[list[_Term]], tokens: list[str]) -> int:
    """0 when the text does not match; else how often the wanted terms occur."""
    if not groups:
        return 0
    score = 0
    for group in groups:
        counts = [term.count(tokens) for term in group]
        if any(term.negated for term in group):
            if any(counts):
                return 0
            continue
        if not any(counts):
            return 0
        score += sum(counts)
    return score


def _snippet(text: str, groups: list[list[_Term]]) -> str:
    wanted = {word for group in groups for term in group if not term.negated for word in term.words}
    words = text.split()
    first = next((i for i, word in enumerate(words) if any(t.lower() in wanted for t in _WORD.findall(word))), 0)
    start = max(0, first - SNIPPET_WORDS // 3)
    shown = []
    for word in words[start : start + SNIPPET_WORDS]:
        marked = _WORD.sub(lambda m: f"{MATCH_START}{m[0]}{MATCH_END}" if m[0].lower() in wanted else m[0], word)
        shown.append(marked)
    return " ".join(shown)


class InMemoryChatSearch:
    def __init__(self, uow: Transaction) -> None:
        self._chatrooms: Table[str, Chatroom] = Table(uow, "chatrooms")
        self._messages: Table[str, Message] = Table(uow, "messages")

    async def search(self, owner_id: str, query: str, *, limit: int, offset: int) -> Sequence[SearchHit]:
        groups = _query(query)
        rooms = {r.id: r for r in self._chatrooms.rows() if r.owner_id == owner_id and not r.temporary}
        found: list[tuple[int, SearchHit]] = []
        for room in rooms.values():
            rank = _rank(groups, _WORD.findall(room.title.lower()))
            if rank:
                hit = SearchHit(
                    chatroom_id=room.id,
                    chatroom_title=room.title,
                    message_id=None,
                    role=None,
                    snippet=_snippet(room.title, groups),
                    created_at=room.updated_at,
                )
                found.append((rank, hit))
        for message in self._messages.rows():
            owner_room = rooms.get(message.chatroom_id)
            if owner_room is None:
                continue
            body = " ".join([message.content, ", ".join(a.filename for a in message.attachments)]).strip()
            rank = _rank(groups, _WORD.findall(body.lower()))
            if rank:
                hit = SearchHit(
                    chatroom_id=owner_room.id,
                    chatroom_title=owner_room.title,
                    message_id=message.id,
                    role=message.role,
                    snippet=_snippet(body, groups),
                    created_at=message.created_at,
                )
                found.append((rank, hit))
        # As PostgreSQL orders them: by chat, the title's hit before the messages', by id.
        found.sort(key=lambda item: (item[1].chatroom_id, item[1].message_id is not None, item[1].message_id or ""))
        found.sort(key=lambda item: (item[0], item[1].created_at), reverse=True)
        return [hit for _, hit in found[offset : offset + limit]]
