"""Payment-provider customers."""

from __future__ import annotations

from adapters.memory.tables import Table, Transaction
from domain.errors import Conflict


class InMemoryCustomerRepository:
    def __init__(self, uow: Transaction) -> None:
        self._rows: Table[str, str] = Table(uow, "billing_customers")

    async def customer_of(self, user_id: str) -> str | None:
        return self._rows.get(user_id)

    async def user_of(self, customer_id: str) -> str | None:
        return next((user_id for user_id in self._rows.ids() if self._rows.get(user_id) == customer_id), None)

    async def link(self, user_id: str, customer_id: str) -> None:
        if self._rows.get(user_id) is not None or await self.user_of(customer_id) is not None:
            raise Conflict("This user or customer is already linked.")
        self._rows.put(user_id, customer_id)
