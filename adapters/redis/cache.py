from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

from domain.chat import Chatroom

log = logging.getLogger(__name__)


class _CachedRoom(msgspec.Struct, array_like=True):
    id: str
    owner_id: str
    title: str
    created_at: datetime
    updated_at: datetime
    untitled: bool


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(list[_CachedRoom])


class RedisChatroomCache:
    """First pages of chatroom lists in one hash per user (field = page size), so one
    DEL invalidates every cached page of that user. Any Redis failure is a miss."""

    def __init__(self, redis: Redis, *, ttl_seconds: int = 300) -> None:
        self._redis = redis
        self._ttl = ttl_seconds

    @staticmethod
    def _key(user_id: str) -> str:
        return f"chatrooms:{user_id}"

    async def get_first_page(self, user_id: str, limit: int) -> list[Chatroom] | None:
        try:
            raw: Any = await self._redis.hget(self._key(user_id), str(limit))
        except (RedisError, OSError) as error:
            log.warning("chatroom cache read failed: %s", type(error).__name__)
            return None
        if raw is None:
            return None
        return [
            Chatroom(r.id, r.owner_id, r.title, r.created_at, r.updated_at, untitled=r.untitled)
            for r in _decoder.decode(raw)
        ]

    async def put_first_page(self, user_id: str, limit: int, chatrooms: Sequence[Chatroom]) -> None:
        payload = _encoder.encode(
            [_CachedRoom(c.id, c.owner_id, c.title, c.created_at, c.updated_at, c.untitled) for c in chatrooms]
        )
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(self._key(user_id), str(limit), payload)
                pipe.expire(self._key(user_id), self._ttl)
                await pipe.execute()
        except (RedisError, OSError) as error:
            log.warning("chatroom cache write failed: %s", type(error).__name__)

    async def invalidate(self, user_id: str) -> None:
        try:
            await self._redis.delete(self._key(user_id))
        except (RedisError, OSError) as error:
            # The entry expires on its own within the TTL; the write itself succeeded.
            log.warning("chatroom cache invalidation failed: %s", type(error).__name__)
