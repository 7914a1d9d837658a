from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from domain.errors import DependencyUnavailable

log = logging.getLogger(__name__)

CHANNEL = "replies:cancel"


class RedisReplyCancellations:
    """A stop is a key per reply, kept longer than a worker's lease (so a worker that
    takes the reply over after a crash stops it too), and a message on one channel.

    A process writing replies hears the channel, so a stop lands at once, well within a
    chunk; it reads the key when it starts watching a reply (a stop asked before), and
    every ``poll_seconds`` looks at the keys of all replies it writes with one MGET, in
    case a message was lost (Redis restarted, the subscription was not up yet)."""

    def __init__(self, redis: Redis, *, poll_seconds: float = 1.0, keep_seconds: int = 3600) -> None:
        self._redis = redis
        self._poll = poll_seconds
        self._keep = keep_seconds
        self._watchers: dict[str, set[asyncio.Event]] = {}
        self._hearing: asyncio.Task[None] | None = None
        self._looking: asyncio.Task[None] | None = None

    @staticmethod
    def _key(reply_id: str) -> str:
        return f"reply:{reply_id}:cancel"

    async def request(self, reply_id: str) -> None:
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.set(self._key(reply_id), 1, ex=self._keep)
                pipe.publish(CHANNEL, reply_id)
                await pipe.execute()
        except (RedisError, OSError) as error:
            raise DependencyUnavailable("The reply cannot be stopped right now. Try again shortly.") from error

    async def wait(self, reply_id: str) -> None:
        asked = asyncio.Event()
        self._watchers.setdefault(reply_id, set()).add(asked)
        # Each ends soon after the last reply stops being watched; a new watch starts
        # whichever has ended.
        if self._hearing is None or self._hearing.done():
            self._hearing = asyncio.ensure_future(self._hear_while_watched())
        if self._looking is None or self._looking.done():
            self._looking = asyncio.ensure_future(self._look_while_watched())
        try:
            with contextlib.suppress(RedisError, OSError):
                if await self._redis.exists(self._key(reply_id)):
                    return
            await asked.wait()
        finally:
            watchers = self._watchers.get(reply_id, set())
            watchers.discard(asked)
            if not watchers:
                self._watchers.pop(reply_id, None)

    def _stop_asked(self, reply_id: str) -> None:
        for asked in self._watchers.get(reply_id, ()):
            asked.set()

    async def _hear_while_watched(self) -> None:
        while self._watchers:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(CHANNEL)
                while self._watchers:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
                    if message is not None and message["type"] == "message":
                        self._stop_asked(bytes(message["data"]).decode())
            except (RedisError, OSError, TimeoutError) as error:
                log.warning(
                    "reply cancellations not heard (%s); looking every %.1f s", type(error).__name__, self._poll
                )
                await asyncio.sleep(self._poll)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _look_while_watched(self) -> None:
        while self._watchers:
            await asyncio.sleep(self._poll)
            replies = list(self._watchers)
            if not replies:
                return
            try:
                found = await self._redis.mget([self._key(reply_id) for reply_id in replies])
            except (RedisError, OSError) as error:
                log.warning("cannot read reply cancellations: %s", type(error).__name__)
                continue
            for reply_id, value in zip(replies, found, strict=True):
                if value is not None:
                    self._stop_asked(reply_id)
