"""Per-process copies of hot reads stay honest through an invalidation feed: every
process that keeps copies hears which owners' data changed, and keeps nothing while it
cannot be sure it hears."""

from __future__ import annotations

from typing import Protocol


class CacheListener(Protocol):
    """Where a process keeps its copies."""

    def drop(self, scope: str, owner_id: str) -> None:
        """Forget what is kept for this owner in this scope."""

    def trust(self) -> None:
        """Every change is heard from now on: copies may be kept."""

    def distrust(self) -> None:
        """Changes may be missed from now on: keep nothing."""


class InvalidationFeed(Protocol):
    """Tells every process that follows it whose data changed."""

    async def publish(self, scope: str, owner_id: str) -> None:
        """Best effort: a lost message is bounded by the copies' time to live."""
