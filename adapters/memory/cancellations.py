from __future__ import annotations

import asyncio


class InMemoryReplyCancellations:
    """An asyncio.Event per reply asked to stop. A watch that ends without a stop
    forgets its reply, so finished replies cost nothing."""

    def __init__(self) -> None:
        self._asked: dict[str, asyncio.Event] = {}

    async def request(self, reply_id: str) -> None:
        self._asked.setdefault(reply_id, asyncio.Event()).set()

    async def wait(self, reply_id: str) -> None:
        asked = self._asked.setdefault(reply_id, asyncio.Event())
        try:
            await asked.wait()
        finally:
            if not asked.is_set():
                self._asked.pop(reply_id, None)
