"""The signed-in user's usage."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from msgspec import Struct

from domain.quota import QuotaStatus


class UsageResponse(Struct):
    tier: Literal["basic", "pro"]
    daily_limit: int | None
    used_today: int
    remaining: int | None
    resets_at: datetime

    # Chatrooms and messages

    @classmethod
    def from_domain(cls, status: QuotaStatus) -> UsageResponse:
        return cls(
            tier=status.tier.value,
            daily_limit=status.limit,
            used_today=status.used,
            remaining=status.remaining,
            resets_at=status.resets_at,
        )
