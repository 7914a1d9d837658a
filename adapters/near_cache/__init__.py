"""Near caches: copies, inside this process, of what nearly every request reads (live
sessions, profiles, the first page of chatrooms), so those requests never wait on
PostgreSQL or Redis.

Correctness rests on invalidation, not on expiry: a writer drops its own copy at once
and publishes the user's id on an invalidation feed, and every process that follows
the feed drops its copy when the message arrives (well under a millisecond on one
host). A process that is not following the feed (Redis down, not yet subscribed, or a
process that only writes, like the worker) keeps nothing and loads every time. The
TTL only bounds how stale a copy can get if an invalidation is lost on the way (a
writer cut off from Redis while its readers are not).

A load that began before an invalidation of the same user is not kept: without that
rule a slow read could store what was true just before the write.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Protocol, TypeVar

from domain.chat import Chatroom
from domain.sessions import AuthSession
from domain.users import User

T = TypeVar("T")

CHATROOMS = "rooms"
IDENTITY = "identity"


class NearStore:
    def __init__(
        self,
        *,
        ttl_seconds: float,
        max_users: int = 50_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max_users = max_users
        self._monotonic = monotonic
        # (scope, user id) -> key -> (deadline, value)
        self._entries: dict[tuple[str, str], dict[Hashable, tuple[float, Any]]] = {}
        # Bumped by every drop; a load remembers the value it started at.
        self._generation = 0
        self._dropped_at: dict[tuple[str, str], int] = {}
        # Loads that started before this generation are never kept.
        self._floor = 0
        self._trusted = False

    @property
    def trusted(self) -> bool:
        return self._trusted

    async def load_through(self, scope: str, user_id: str, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        if self._trusted:
            bucket = self._entries.get((scope, user_id))
            if bucket is not None:
                hit = bucket.get(key)
                if hit is not None and hit[0] > self._monotonic():
                    return hit[1]  # type: ignore[no-any-return]
        started = self._generation
        value = await load()
        if value is not None and self._may_keep((scope, user_id), started):
            self._keep((scope, user_id), key, value)
        return value

    def drop(self, scope: str, user_id: str) -> None:
        self._generation += 1
        self._entries.pop((scope, user_id), None)
        self._dropped_at[(scope, user_id)] = self._generation
        if len(self._dropped_at) > self._max_users:
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

    def _forget_everything(self) -> None:
        self._entries.clear()
        self._dropped_at.clear()
        self._generation += 1
        self._floor = self._generation

    def _may_keep(self, owner: tuple[str, str], started: int) -> bool:
        return self._trusted and started >= self._floor and self._dropped_at.get(owner, 0) <= started

    def _keep(self, owner: tuple[str, str], key: Hashable, value: object) -> None:
        bucket = self._entries.get(owner)
        if bucket is None:
            if len(self._entries) >= self._max_users:
                del self._entries[next(iter(self._entries))]  # the oldest owner
            bucket = self._entries[owner] = {}
        bucket[key] = (self._monotonic() + self._ttl, value)


class InvalidationFeed(Protocol):
    """Tells every process that follows it which user's data changed."""

    async def publish(self, scope: str, user_id: str) -> None: ...


class InProcessFeed:
    """The feed when there is one process: nothing to tell anyone, so always trusted."""

    def __init__(self, store: NearStore) -> None:
        store.trust()

    async def publish(self, scope: str, user_id: str) -> None:
        return None


class NearChatroomCache:
    def __init__(self, store: NearStore, feed: InvalidationFeed) -> None:
        self._store = store
        self._feed = feed

    async def first_page(
        self, user_id: str, limit: int, load: Callable[[], Awaitable[list[Chatroom]]]
    ) -> list[Chatroom]:
        return await self._store.load_through(CHATROOMS, user_id, limit, load)

    async def invalidate(self, user_id: str) -> None:
        self._store.drop(CHATROOMS, user_id)
        await self._feed.publish(CHATROOMS, user_id)


class NearIdentityCache:
    def __init__(self, store: NearStore, feed: InvalidationFeed) -> None:
        self._store = store
        self._feed = feed

    async def session(
        self, user_id: str, session_id: str, load: Callable[[], Awaitable[AuthSession | None]]
    ) -> AuthSession | None:
        return await self._store.load_through(IDENTITY, user_id, ("session", session_id), load)

    async def user(self, user_id: str, load: Callable[[], Awaitable[User | None]]) -> User | None:
        return await self._store.load_through(IDENTITY, user_id, "user", load)

    async def invalidate(self, user_id: str) -> None:
        self._store.drop(IDENTITY, user_id)
        await self._feed.publish(IDENTITY, user_id)
