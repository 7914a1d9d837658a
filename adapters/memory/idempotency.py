"""Idempotency keys of message sends."""

from __future__ import annotations

from adapters.memory.tables import Table, Transaction
from domain.errors import Conflict


class InMemoryIdempotencyRepository:
    def __init__(self, uow: Transaction) -> None:
        self._rows: Table[tuple[str, str], str] = Table(uow, "idempotency_keys")

    async def get(self, owner_id: str, key: str) -> str | None:
        return self._rows.get((owner_id, key))

    async def add(self, owner_id: str, key: str, reply_id: str) -> None:
        if self._rows.get((owner_id, key)) is not None:
            raise Conflict("This Idempotency-Key was already used.")
        self._rows.put((owner_id, key), reply_id)
