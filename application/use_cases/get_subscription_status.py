from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.ports.repositories import UnitOfWorkFactory
from application.use_cases.authenticate import Principal
from domain.errors import NotFound
from domain.subscriptions import SubscriptionStatus, current_subscription
from domain.users import Tier


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionStatusResult:
    tier: Tier
    status: SubscriptionStatus
    current_period_end: datetime | None
    cancel_at_period_end: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class GetSubscriptionStatus:
    uow: UnitOfWorkFactory

    async def execute(self, principal: Principal) -> SubscriptionStatusResult:
        async with self.uow() as uow:
            user = await uow.users.get(principal.user_id)
            subscription = current_subscription(await uow.subscriptions.list_for_user(principal.user_id))
        if user is None:
            raise NotFound("User not found.")
        if subscription is None:
            return SubscriptionStatusResult(
                tier=user.tier, status=SubscriptionStatus.NONE, current_period_end=None, cancel_at_period_end=False
            )
        return SubscriptionStatusResult(
            tier=user.tier,
            status=subscription.status,
            current_period_end=subscription.current_period_end,
            cancel_at_period_end=subscription.cancel_at_period_end,
        )
