from __future__ import annotations

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock
from application.use_cases.authenticate import Principal
from domain.errors import NotFound
from domain.quota import DailyQuota, QuotaStatus, usage_day


class GetUsage:
    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, quota: DailyQuota) -> None:
        self._uow = uow
        self._clock = clock
        self._quota = quota

    async def execute(self, principal: Principal) -> QuotaStatus:
        now = self._clock.now()
        async with self._uow() as uow:
            user = await uow.users.get(principal.user_id)
            if user is None:
                raise NotFound("User not found.")
            used = await uow.quota.count(user.id, usage_day(now))
        return self._quota.status(tier=user.tier, used=used, now=now)
