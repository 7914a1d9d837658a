"""Payment-provider customers, one per user."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres import tables as t
from adapters.postgres.repository import PostgresRepository
from domain.errors import Conflict


class PostgresCustomerRepository(PostgresRepository):
    async def customer_of(self, user_id: str) -> str | None:
        c = t.billing_customers.c
        row = (await self._execute(select(c.customer_id).where(c.user_id == uuid.UUID(user_id)))).first()
        return None if row is None else str(row.customer_id)

    async def user_of(self, customer_id: str) -> str | None:
        c = t.billing_customers.c
        row = (await self._execute(select(c.user_id).where(c.customer_id == customer_id))).first()
        return None if row is None else str(row.user_id)

    async def link(self, user_id: str, customer_id: str) -> None:
        inserted = await self._execute(
            insert(t.billing_customers)
            .values(user_id=uuid.UUID(user_id), customer_id=customer_id)
            .on_conflict_do_nothing()
            .returning(t.billing_customers.c.user_id)
        )
        if inserted.first() is None:
            raise Conflict("This user or customer is already linked.")
