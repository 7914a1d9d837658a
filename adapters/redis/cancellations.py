from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from domain.errors import DependencyUnavailable

log = logging.getLogger(__name__)


class RedisReplyCancellations:
    """A key per reply asked to stop, kept longer than a worker's lease, so a worker
    that takes the reply over after a crash stops it too. The writer looks every
    ``poll_seconds``: a key read costs less than keeping a connection per reply
    blocked, and a stop lands well within one chunk of a streamed answer."""

    def __init__(self, redis: Redis, *, poll_seconds: float = 0.2, keep_seconds: int = 3600) -> None:
        self._redis = redis
        self._poll = poll_seconds
        self._keep = keep_seconds

    @staticmethod
    def _key(reply_id: str) -> str:
        return f"reply:{reply_id}:cancel"

    async def request(self, reply_id: str) -> None:
        try:
            await self._redis.set(self._key(reply_id), 1, ex=self._keep)
        except (RedisError, OSError) as error:
            raise DependencyUnavailable("The reply cannot be stopped right now. Try again shortly.") from error

    async def wait(self, reply_id: str) -> None:
        key = self._key(reply_id)
        while True:
            try:
                if await self._redis.exists(key):
                    return
            except (RedisError, OSError) as error:
                log.warning("cannot read reply cancellations: %s", type(error).__name__)
            await asyncio.sleep(self._poll)
