from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock
from application.use_cases.authenticate import Principal
from domain.quota import ModelUsage, UsagePeriod, usage_day


@dataclass(frozen=True, slots=True)
class ModelUsageReport:
    period: UsagePeriod
    by_model: Sequence[ModelUsage]


@dataclass(frozen=True, slots=True, kw_only=True)
class GetModelUsage:
    """Replies and tokens per model over a period of UTC days (today unless told)."""

    uow: UnitOfWorkFactory
    clock: Clock

    async def execute(
        self, principal: Principal, first: date | None = None, last: date | None = None
    ) -> ModelUsageReport:
        period = UsagePeriod.given(first, last, today=usage_day(self.clock.now()))
        async with self.uow() as uow:
            totals = await uow.model_usage.totals(principal.user_id, period.first, period.last)
        return ModelUsageReport(period=period, by_model=totals)
