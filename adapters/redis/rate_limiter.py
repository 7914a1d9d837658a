from __future__ import annotations

import logging
import math
import uuid
from datetime import timedelta

from redis.asyncio import Redis
from redis.exceptions import RedisError

from application.ports.services import Clock
from domain.errors import DependencyUnavailable

log = logging.getLogger(__name__)

UNAVAILABLE = "Sign-in protection is unavailable right now, so this cannot be done safely. Please try again shortly."

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

# Slots in one sorted set: each holder's score is when its slot frees itself.
_OCCUPY = """
local key, now, ttl, limit, holder = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if not redis.call('ZSCORE', key, holder) and redis.call('ZCARD', key) >= limit then
  return 0
end
redis.call('ZADD', key, now + ttl, holder)
redis.call('PEXPIRE', key, ttl)
return 1
"""


class RedisRateLimiter:
    """Shared by every API process. When Redis cannot be asked, every method raises
    DependencyUnavailable: the caller decides whether that refuses the request."""

    def __init__(self, redis: Redis, clock: Clock) -> None:
        self._redis = redis
        self._clock = clock
        self._hit = redis.register_script(_HIT)
        self._occupy = redis.register_script(_OCCUPY)

    def _now_ms(self) -> int:
        return int(self._clock.now().timestamp() * 1000)

    async def hit(self, key: str, *, limit: int, window: timedelta) -> int | None:
        window_ms = int(window.total_seconds() * 1000)
        try:
            wait_ms = int(
                await self._hit(keys=[f"rate:{key}"], args=[self._now_ms(), window_ms, limit, uuid.uuid4().hex])
            )
        except (RedisError, OSError) as error:
            raise _unavailable(error) from None
        return None if wait_ms < 0 else max(1, math.ceil(wait_ms / 1000))

    async def clear(self, key: str) -> None:
        try:
            await self._redis.delete(f"rate:{key}")
        except (RedisError, OSError) as error:
            raise _unavailable(error) from None

    async def occupy(self, key: str, holder: str, *, limit: int, ttl: timedelta) -> bool:
        ttl_ms = max(1, int(ttl.total_seconds() * 1000))
        try:
            taken = await self._occupy(keys=[f"slots:{key}"], args=[self._now_ms(), ttl_ms, limit, holder])
        except (RedisError, OSError) as error:
            raise _unavailable(error) from None
        return bool(int(taken))

    async def vacate(self, key: str, holder: str) -> None:
        try:
            await self._redis.zrem(f"slots:{key}", holder)
        except (RedisError, OSError) as error:
            raise _unavailable(error) from None


def _unavailable(error: Exception) -> DependencyUnavailable:
    log.warning("rate limiter unavailable: %s", type(error).__name__)
    return DependencyUnavailable(UNAVAILABLE, retry_after_seconds=5)
