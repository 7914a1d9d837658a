from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator

from application.ports.services import ReplyEvent


class InMemoryReplyEventStream:
    """Events per reply in a list; followers wait on an asyncio.Event that each publish
    sets and replaces. A finished reply's events are dropped after ``retention`` seconds
    (readers then resume from the stored message)."""

    def __init__(self, retention_seconds: float = 600.0) -> None:
        self._retention = retention_seconds
        self._events: dict[str, list[ReplyEvent]] = {}
        self._signals: dict[str, asyncio.Event] = {}

    async def publish(self, reply_id: str, event: ReplyEvent) -> None:
        self._events.setdefault(reply_id, []).append(event)
        signal = self._signals.pop(reply_id, None)
        if signal is not None:
            signal.set()
        if event.is_final:
            asyncio.get_running_loop().call_later(self._retention, self._drop, reply_id)

    async def follow(self, reply_id: str, *, idle_timeout: float) -> AsyncGenerator[ReplyEvent | None, None]:
        seen = 0
        while True:
            events = self._events.get(reply_id, [])
            if seen < len(events):
                seen += 1
                yield events[seen - 1]
                continue
            signal = self._signals.setdefault(reply_id, asyncio.Event())
            arrived = False
            with contextlib.suppress(TimeoutError):
                arrived = await asyncio.wait_for(signal.wait(), idle_timeout)
            if not arrived:
                yield None

    def _drop(self, reply_id: str) -> None:
        self._events.pop(reply_id, None)
