from __future__ import annotations

import math
from collections import deque
from datetime import timedelta

from application.ports.services import Clock


class InMemoryRateLimiter:
    """Sliding-window log per key and expiring slots: exact, and fine at in-memory scale."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        # key -> holder -> when the slot frees itself
        self._slots: dict[str, dict[str, float]] = {}

    async def hit(self, key: str, *, limit: int, window: timedelta) -> int | None:
        now = self._clock.now().timestamp()
        span = window.total_seconds()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - span:
            hits.popleft()
        if len(hits) >= limit:
            return max(1, math.ceil(hits[0] + span - now))
        hits.append(now)
        return None

    async def clear(self, key: str) -> None:
        self._hits.pop(key, None)

    async def occupy(self, key: str, holder: str, *, limit: int, ttl: timedelta) -> bool:
        now = self._clock.now().timestamp()
        slots = self._slots.setdefault(key, {})
        for expired in [h for h, until in slots.items() if until <= now]:
            del slots[expired]
        if holder not in slots and len(slots) >= limit:
            return False
        slots[holder] = now + ttl.total_seconds()
        return True

    async def vacate(self, key: str, holder: str) -> None:
        self._slots.get(key, {}).pop(holder, None)
