"""The daily message quota."""

from __future__ import annotations

from datetime import date

from adapters.memory.tables import Table, Transaction


class InMemoryQuotaCounter:
    def __init__(self, uow: Transaction) -> None:
        self._rows: Table[tuple[str, date], int] = Table(uow, "daily_usage")

    async def try_consume(self, user_id: str, day: date, limit: int) -> int | None:
        used = await self.count(user_id, day)
        if used >= limit:
            return None
        self._rows.put((user_id, day), used + 1)
        return used + 1

    async def consume(self, user_id: str, day: date) -> int:
        used = await self.count(user_id, day) + 1
        self._rows.put((user_id, day), used)
        return used

    async def count(self, user_id: str, day: date) -> int:
        return self._rows.get((user_id, day)) or 0

    async def give_back(self, user_id: str, day: date) -> None:
        used = await self.count(user_id, day)
        if used > 0:
            self._rows.put((user_id, day), used - 1)

    async def reset(self, user_id: str, day: date) -> None:
        self._rows.delete((user_id, day))
