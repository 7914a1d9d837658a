from __future__ import annotations

import asyncio


class InMemoryReplyCancellations:
    """An asyncio.Event per reply asked to stop."""

    def __init__(self) -> None:
        self._asked: dict[str, asyncio.Event] = {}

    async def request(self, reply_id: str) -> None:
        self._asked.setdefault(reply_id, asyncio.Event()).set()

    async def wait(self, reply_id: str) -> None:
        await self._asked.setdefault(reply_id, asyncio.Event()).wait()
