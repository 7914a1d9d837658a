from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock
from application.use_cases.authenticate import Principal
from domain.errors import NotFound
from domain.quota import DailyQuota, QuotaStatus, usage_day


@dataclass(frozen=True, slots=True, kw_only=True)
class GetUsage:
    uow: UnitOfWorkFactory
    clock: Clock
    quota: DailyQuota

    async def execute(self, principal: Principal) -> QuotaStatus:
        now = self.clock.now()
        async with self.uow() as uow:
            user = await uow.users.get(principal.user_id)
            if user is None:
                raise NotFound("User not found.")
            used = await uow.quota.count(user.id, usage_day(now))
        return self.quota.status(tier=user.tier, used=used, now=now)
