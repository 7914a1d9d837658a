from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from domain.errors import ValidationError
from domain.users import Tier

DEFAULT_BASIC_DAILY_LIMIT = 5


def usage_day(instant: datetime) -> date:
    """The UTC calendar day a message counts against."""
    return instant.astimezone(UTC).date()


def next_reset(instant: datetime) -> datetime:
    return datetime.combine(usage_day(instant) + timedelta(days=1), time(0), tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class QuotaStatus:
    """What a user has left today; ``limit`` and ``remaining`` are None when unlimited."""

    tier: Tier
    limit: int | None
    used: int
    resets_at: datetime

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)


@dataclass(frozen=True, slots=True)
class DailyQuota:
    """Basic users get ``basic_limit`` messages per UTC day; Pro users are unlimited.

    A message counts when it is accepted; a reply that fails for good gives it back
    (the counting itself lives in the quota counter, which must be atomic).
    """

    basic_limit: int = DEFAULT_BASIC_DAILY_LIMIT

    def limit_for(self, tier: Tier) -> int | None:
        return None if tier is Tier.PRO else self.basic_limit

    def status(self, *, tier: Tier, used: int, now: datetime) -> QuotaStatus:
        return QuotaStatus(tier=tier, limit=self.limit_for(tier), used=used, resets_at=next_reset(now))

    @staticmethod
    def seconds_until_reset(now: datetime) -> int:
        return max(1, math.ceil((next_reset(now) - now).total_seconds()))


# How far back one usage report may reach.
MAX_USAGE_PERIOD_DAYS = 366


@dataclass(frozen=True, slots=True)
class ModelUsage:
    """What one model wrote for one person over a period: replies and their tokens."""

    model: str
    replies: int
    prompt_tokens: int
    response_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.response_tokens


@dataclass(frozen=True, slots=True)
class UsagePeriod:
    """UTC days, both ends included."""

    first: date
    last: date

    @classmethod
    def given(cls, first: date | None, last: date | None, *, today: date) -> UsagePeriod:
        """Today when neither end is given; one end alone is a single day."""
        first, last = first or last or today, last or first or today
        if first > last:
            raise ValidationError.for_field("from", "must not be after `to`")
        if (last - first).days + 1 > MAX_USAGE_PERIOD_DAYS:
            raise ValidationError.for_field("from", f"a period spans at most {MAX_USAGE_PERIOD_DAYS} days")
        return cls(first, last)
