"""The near store: copies, inside this process, of what nearly every request reads
(live sessions, profiles, the first page of chatrooms), kept per owner (a user).

Correctness rests on invalidation, not on expiry: every change to an owner's data drops
the owner's copies here and is announced on an invalidation feed, and every process
that follows the feed drops its copies when the message arrives (well under a
millisecond on one host). A process that is not following the feed (Redis down, not yet
subscribed, or a process that only writes, like the worker) keeps nothing and loads
every time. The TTL only bounds how stale a copy can get if an invalidation is lost on
the way (a writer cut off from Redis while its readers are not).

A load that began before a drop of the same owner is not kept: without that rule a slow
read could store what was true just before the write.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
_MISSING: Any = object()


class NearStore:
    def __init__(
        self,
        *,
        ttl_seconds: float,
        max_owners: int = 50_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max_owners = max_owners
        self._monotonic = monotonic
        # (scope, owner id) -> key -> (deadline, value)
        self._entries: dict[tuple[str, str], dict[Hashable, tuple[float, Any]]] = {}
        # (scope, key) -> owner id, for what is looked up by its own key (a session by id).
        self._owners: dict[tuple[str, Hashable], str] = {}
        # Bumped by every drop; a load remembers the value it started at.
        self._generation = 0
        self._dropped_at: dict[tuple[str, str], int] = {}
        # Loads that started before this generation are never kept.
        self._floor = 0
        self._trusted = False

    @property
    def trusted(self) -> bool:
        return self._trusted

    async def load_through(self, scope: str, owner_id: str, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """The kept copy of ``key`` for the owner, or ``load()``'s result (kept for next time)."""
        hit = self._lookup((scope, owner_id), key)
        if hit is not _MISSING:
            return hit  # type: ignore[no-any-return]
        started = self._generation
        value = await load()
        if value is not None and self._may_keep((scope, owner_id), started):
            self._keep((scope, owner_id), key, value)
        return value

    async def load_by_key(
        self,
        scope: str,
        key: Hashable,
        load: Callable[[], Awaitable[T | None]],
        *,
        owner_of: Callable[[T], str],
        keep_if: Callable[[T], bool] = lambda _: True,
    ) -> T | None:
        """Like ``load_through`` for what is found by its own key; its owner is learnt from
        the loaded value (``owner_of``). A value ``keep_if`` refuses is returned, not kept."""
        owner_id = self._owners.get((scope, key)) if self._trusted else None
        if owner_id is not None:
            hit = self._lookup((scope, owner_id), key)
            if hit is not _MISSING:
                return hit  # type: ignore[no-any-return]
        started = self._generation
        value = await load()
        if value is not None and keep_if(value):
            owner = (scope, owner_of(value))
            if self._may_keep(owner, started):
                self._keep(owner, key, value)
                if len(self._owners) >= self._max_owners:
                    self._owners.clear()
                self._owners[(scope, key)] = owner[1]
        return value

    def drop(self, scope: str, owner_id: str) -> None:
        self._generation += 1
        self._entries.pop((scope, owner_id), None)
        self._dropped_at[(scope, owner_id)] = self._generation
        if len(self._dropped_at) > self._max_owners:
            self._dropped_at.clear()
            self._floor = self._generation

    def trust(self) -> None:
        """Invalidations are arriving from now on. Loads already under way may have read
        before the feed was followed, so they are not kept."""
        self._forget_everything()
        self._trusted = True

    def distrust(self) -> None:
        """Invalidations may be missed from now on: keep nothing until trusted again."""
        self._trusted = False
        self._forget_everything()

    def _lookup(self, owner: tuple[str, str], key: Hashable) -> Any:
        if not self._trusted:
            return _MISSING
        bucket = self._entries.get(owner)
        if bucket is None:
            return _MISSING
        hit = bucket.get(key)
        if hit is None or hit[0] <= self._monotonic():
            return _MISSING
        return hit[1]

    def _forget_everything(self) -> None:
        self._entries.clear()
        self._owners.clear()
        self._dropped_at.clear()
        self._generation += 1
        self._floor = self._generation

    def _may_keep(self, owner: tuple[str, str], started: int) -> bool:
        return self._trusted and started >= self._floor and self._dropped_at.get(owner, 0) <= started

    def _keep(self, owner: tuple[str, str], key: Hashable, value: object) -> None:
        bucket = self._entries.get(owner)
        if bucket is None:
            if len(self._entries) >= self._max_owners:
                del self._entries[next(iter(self._entries))]  # the oldest owner
            bucket = self._entries[owner] = {}
        bucket[key] = (self._monotonic() + self._ttl, value)
