"""Allowances that start again at midnight UTC (uploads, exports, imports a day)."""

from __future__ import annotations

from datetime import datetime

from application.ports.services import RateLimiter
from domain.errors import TooManyRequests
from domain.quota import next_reset, usage_day


async def spend_one_today(
    limiter: RateLimiter, *, what: str, user_id: str, allowed: int, now: datetime, refusal: str | None = None
) -> None:
    """Count one more of ``what`` today; TooManyRequests (with when to come back, and
    ``refusal`` as its words) past ``allowed``."""
    wait = await limiter.hit(
        f"{what}:{user_id}:{usage_day(now).isoformat()}", limit=allowed, window=next_reset(now) - now
    )
    if wait is not None:
        said = refusal or f"You have reached today's limit of {allowed} {what}."
        raise TooManyRequests(f"{said} More after midnight UTC.", retry_after_seconds=wait)
