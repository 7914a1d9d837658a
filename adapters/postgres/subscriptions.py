"""Subscriptions, by the provider's subscription id."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres import tables as t
from adapters.postgres.repository import PostgresRepository
from domain.subscriptions import Subscription, SubscriptionStatus


def _subscription(row: Any) -> Subscription:
    return Subscription(
        subscription_id=row.subscription_id,
        user_id=str(row.user_id),
        customer_id=row.customer_id,
        status=SubscriptionStatus(row.status),
        current_period_end=row.current_period_end,
        cancel_at_period_end=row.cancel_at_period_end,
        as_of=row.as_of,
    )


class PostgresSubscriptionRepository(PostgresRepository):
    async def get(self, subscription_id: str) -> Subscription | None:
        c = t.subscriptions.c
        row = (await self._execute(select(t.subscriptions).where(c.subscription_id == subscription_id))).first()
        return None if row is None else _subscription(row)

    async def list_for_user(self, user_id: str) -> Sequence[Subscription]:
        c = t.subscriptions.c
        rows = await self._execute(
            select(t.subscriptions).where(c.user_id == uuid.UUID(user_id)).order_by(c.subscription_id)
        )
        return [_subscription(row) for row in rows]

    async def save(self, subscription: Subscription) -> None:
        values = {
            "user_id": uuid.UUID(subscription.user_id),
            "customer_id": subscription.customer_id,
            "status": subscription.status.value,
            "current_period_end": subscription.current_period_end,
            "cancel_at_period_end": subscription.cancel_at_period_end,
            "as_of": subscription.as_of,
        }
        await self._execute(
            insert(t.subscriptions)
            .values(subscription_id=subscription.subscription_id, **values)
            .on_conflict_do_update(index_elements=["subscription_id"], set_=values)
        )
