from __future__ import annotations

import logging
import math
import uuid
from datetime import timedelta

from redis.asyncio import Redis
from redis.exceptions import RedisError

from application.ports.services import Clock

log = logging.getLogger(__name__)

# A sliding-window log in one sorted set, checked and updated atomically.
_HIT = """
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return tonumber(oldest[2]) + window - now
end
redis.call('ZADD', key, now, member)
redis.call('PEXPIRE', key, window)
return -1
"""


class RedisRateLimiter:
    """Shared by every API process. If Redis is down the limiter lets requests through
    (and says so in the log): throttling is a defence in depth, and the OTP attempt
    limit that protects each code lives in the database."""

    def __init__(self, redis: Redis, clock: Clock) -> None:
        self._redis = redis
        self._clock = clock
        self._script = redis.register_script(_HIT)

    async def hit(self, key: str, *, limit: int, window: timedelta) -> int | None:
        now_ms = int(self._clock.now().timestamp() * 1000)
        window_ms = int(window.total_seconds() * 1000)
        try:
            wait_ms = int(await self._script(keys=[f"rate:{key}"], args=[now_ms, window_ms, limit, uuid.uuid4().hex]))
        except (RedisError, OSError) as error:
            log.warning("rate limiter unavailable, allowing: %s", type(error).__name__)
            return None
        return None if wait_ms < 0 else max(1, math.ceil(wait_ms / 1000))

    async def clear(self, key: str) -> None:
        try:
            await self._redis.delete(f"rate:{key}")
        except (RedisError, OSError) as error:
            log.warning("rate limiter clear failed: %s", type(error).__name__)
