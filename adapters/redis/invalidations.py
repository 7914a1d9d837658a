"""The invalidation feed over Redis pub/sub: whose data changed, to every API process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from application.ports.caching import CacheListener

log = logging.getLogger(__name__)

CHANNEL = "near-cache:invalidate"


class RedisInvalidationFeed:
    """Publishes ``scope:owner_id`` on one channel and, once ``follow()`` has started,
    tells this process's listener (its near store) to drop what it keeps of that owner.

    The listener is trusted only while the subscription is confirmed and answering pings;
    on any doubt it is told to keep nothing until the subscription is back."""

    def __init__(
        self, redis: Redis, listener: CacheListener, *, ping_every: float = 5.0, reconnect_after: float = 1.0
    ) -> None:
        self._redis = redis
        self._store = listener
        # Whether the listener was told to trust: a warning only when that changes.
        self._trusting = False
        self._ping_every = ping_every
        self._reconnect_after = reconnect_after
        self._task: asyncio.Task[None] | None = None

    async def publish(self, scope: str, owner_id: str) -> None:
        try:
            await self._redis.publish(CHANNEL, f"{scope}:{owner_id}")
        except (RedisError, OSError) as error:
            # The write itself is committed. Followers of the feed lose their subscription
            # too when Redis is down (and then keep nothing); the TTL covers the rest.
            log.warning("cache invalidation not published: %s", type(error).__name__)

    def follow(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._follow(), name="near-cache invalidations")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._store.distrust()
        self._trusting = False

    async def _follow(self) -> None:
        while True:
            try:
                await self._follow_once()
            except (RedisError, OSError, TimeoutError) as error:
                if self._trusting:
                    log.warning("cache invalidations interrupted (%s): caching paused", type(error).__name__)
            except Exception:
                # Whatever it was (a malformed message, say), this task must not die while
                # the store trusts it: distrust, and follow again.
                log.exception("cache invalidations failed: caching paused")
            self._store.distrust()
            self._trusting = False
            await asyncio.sleep(self._reconnect_after)

    async def _follow_once(self) -> None:
        pubsub = self._redis.pubsub()
        try:
            await pubsub.subscribe(CHANNEL)
            last_heard = time.monotonic()
            ping_sent = False
            while True:
                message = await pubsub.get_message(timeout=min(1.0, self._ping_every))
                now = time.monotonic()
                if message is None:
                    if now - last_heard > 2 * self._ping_every and ping_sent:
                        raise TimeoutError("no answer to ping")
                    if now - last_heard > self._ping_every and not ping_sent:
                        await pubsub.ping()
                        ping_sent = True
                    continue
                last_heard, ping_sent = now, False
                if message["type"] == "subscribe":
                    self._store.trust()
                    self._trusting = True
                    log.info("following cache invalidations")
                elif message["type"] == "message":
                    scope, _, owner_id = bytes(message["data"]).decode().partition(":")
                    self._store.drop(scope, owner_id)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]
