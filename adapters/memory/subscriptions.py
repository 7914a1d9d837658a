"""Subscriptions by id."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.memory.tables import Table, Transaction
from domain.subscriptions import Subscription


class InMemorySubscriptionRepository:
    def __init__(self, uow: Transaction) -> None:
        self._rows: Table[str, Subscription] = Table(uow, "subscriptions")

    async def get(self, subscription_id: str) -> Subscription | None:
        return self._rows.get(subscription_id)

    async def list_for_user(self, user_id: str) -> Sequence[Subscription]:
        found = [s for s in self._rows.rows() if s.user_id == user_id]
        return sorted(found, key=lambda s: s.subscription_id)

    async def save(self, subscription: Subscription) -> None:
        self._rows.put(subscription.subscription_id, subscription)
