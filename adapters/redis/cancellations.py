from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from domain.errors import DependencyUnavailable

log = logging.getLogger(__name__)


class RedisReplyCancellations:
    """A key per reply asked to stop, kept longer than a worker's lease, so a worker
    that takes the reply over after a crash stops it too.

    A process watching replies looks every ``poll_seconds`` with one MGET for all of
    them: a stop lands well within a chunk of a streamed answer, and a worker writing
    sixty replies asks Redis once, not sixty times, per look."""

    def __init__(self, redis: Redis, *, poll_seconds: float = 0.2, keep_seconds: int = 3600) -> None:
        self._redis = redis
        self._poll = poll_seconds
        self._keep = keep_seconds
        self._watchers: dict[str, set[asyncio.Event]] = {}
        self._poller: asyncio.Task[None] | None = None

    @staticmethod
    def _key(reply_id: str) -> str:
        return f"reply:{reply_id}:cancel"

    async def request(self, reply_id: str) -> None:
        try:
            await self._redis.set(self._key(reply_id), 1, ex=self._keep)
        except (RedisError, OSError) as error:
            raise DependencyUnavailable("The reply cannot be stopped right now. Try again shortly.") from error

    async def wait(self, reply_id: str) -> None:
        asked = asyncio.Event()
        self._watchers.setdefault(reply_id, set()).add(asked)
        if self._poller is None or self._poller.done():
            self._poller = asyncio.ensure_future(self._look_while_watched())
        try:
            await asked.wait()
        finally:
            watchers = self._watchers.get(reply_id, set())
            watchers.discard(asked)
            if not watchers:
                self._watchers.pop(reply_id, None)

    async def _look_while_watched(self) -> None:
        while self._watchers:
            replies = list(self._watchers)
            try:
                found = await self._redis.mget([self._key(reply_id) for reply_id in replies])
            except (RedisError, OSError) as error:
                log.warning("cannot read reply cancellations: %s", type(error).__name__)
            else:
                for reply_id, value in zip(replies, found, strict=True):
                    if value is not None:
                        for asked in self._watchers.get(reply_id, ()):
                            asked.set()
            await asyncio.sleep(self._poll)
