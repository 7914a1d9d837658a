from __future__ import annotations

import copy
import time
from collections.abc import Sequence

from domain.chat import Chatroom


class InMemoryChatroomCache:
    def __init__(self, ttl_seconds: float = 60.0) -> None:
        self._ttl = ttl_seconds
        self._pages: dict[str, dict[int, tuple[float, list[Chatroom]]]] = {}

    async def get_first_page(self, user_id: str, limit: int) -> list[Chatroom] | None:
        entry = self._pages.get(user_id, {}).get(limit)
        if entry is None or entry[0] < time.monotonic():
            return None
        return copy.deepcopy(entry[1])

    async def put_first_page(self, user_id: str, limit: int, chatrooms: Sequence[Chatroom]) -> None:
        self._pages.setdefault(user_id, {})[limit] = (time.monotonic() + self._ttl, copy.deepcopy(list(chatrooms)))

    async def invalidate(self, user_id: str) -> None:
        self._pages.pop(user_id, None)
