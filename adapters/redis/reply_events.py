from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from application.ports.services import ReplyEvent, ReplyEventKind

log = logging.getLogger(__name__)


class RedisReplyEventStream:
    """One Redis Stream per reply. Readers start from the first entry and block for
    more, so a reader that arrives late or reconnects misses nothing while the stream
    is kept (``retention_seconds`` after its first chunk from a process and after its
    last event; a reply is written within minutes, the job's time limit); after that
    the stored message is the record. Publishing is best effort: the database, not the
    stream, is the truth."""

    # Replies this process has published a chunk of, whose stream already expires: at
    # most this many remembered (forgetting one costs an EXPIRE, nothing more).
    _REMEMBERED = 10_000

    def __init__(self, redis: Redis, *, retention_seconds: int = 3600) -> None:
        self._redis = redis
        self._retention = retention_seconds
        self._expiring: dict[str, None] = {}

    @staticmethod
    def _key(reply_id: str) -> str:
        return f"reply:{reply_id}:events"

    async def publish(self, reply_id: str, event: ReplyEvent) -> None:
        fields = {
            "kind": event.kind.value,
            "attempt": event.attempt,
            "offset": event.offset,
            "text": event.text,
            "error": event.error or "",
        }
        key = self._key(reply_id)
        try:
            if event.kind is ReplyEventKind.CHUNK and reply_id in self._expiring:
                # The stream's expiry was set with this reply's first chunk here and is
                # set again with its last event: a chunk in between is one command (the
                # pipeline of two was a sixth of a worker's CPU, py-spy).
                await self._redis.xadd(key, fields)  # type: ignore[arg-type]
                return
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.xadd(key, fields)  # type: ignore[arg-type]
                pipe.expire(key, self._retention)
                await pipe.execute()
        except (RedisError, OSError) as error:
            log.warning("reply event not published: %s", type(error).__name__)
            return
        if event.kind is ReplyEventKind.CHUNK:
            if len(self._expiring) >= self._REMEMBERED:
                del self._expiring[next(iter(self._expiring))]
            self._expiring[reply_id] = None
        else:
            self._expiring.pop(reply_id, None)

    async def follow(self, reply_id: str, *, idle_timeout: float) -> AsyncGenerator[ReplyEvent | None, None]:
        key, last = self._key(reply_id), "0-0"
        block_ms = max(1, int(idle_timeout * 1000))
        while True:
            try:
                response: Any = await self._redis.xread({key: last}, count=200, block=block_ms)
            except (RedisError, OSError) as error:
                log.warning("reply events unavailable: %s", type(error).__name__)
                await asyncio.sleep(idle_timeout)
                yield None
                continue
            if not response:
                yield None
                continue
            for entry_id, fields in response[0][1]:
                last = entry_id
                yield _event(fields)


def _event(fields: dict[bytes, bytes]) -> ReplyEvent:
    error = fields.get(b"error", b"").decode()
    return ReplyEvent(
        kind=ReplyEventKind(fields[b"kind"].decode()),
        attempt=int(fields[b"attempt"]),
        offset=int(fields[b"offset"]),
        text=fields.get(b"text", b"").decode(),
        error=error or None,
    )
