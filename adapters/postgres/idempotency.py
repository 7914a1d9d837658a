"""Idempotency keys of message sends."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres import tables as t
from adapters.postgres.repository import PostgresRepository
from domain.errors import Conflict


class PostgresIdempotencyRepository(PostgresRepository):
    async def get(self, owner_id: str, key: str) -> str | None:
        row = (
            await self._execute(
                select(t.idempotency_keys.c.reply_id)
                .where(t.idempotency_keys.c.owner_id == uuid.UUID(owner_id))
                .where(t.idempotency_keys.c.key == key)
            )
        ).first()
        return None if row is None else str(row.reply_id)

    async def add(self, owner_id: str, key: str, reply_id: str) -> None:
        inserted = await self._execute(
            insert(t.idempotency_keys)
            .values(owner_id=uuid.UUID(owner_id), key=key, reply_id=uuid.UUID(reply_id))
            .on_conflict_do_nothing()
            .returning(t.idempotency_keys.c.key)
        )
        if inserted.first() is None:
            raise Conflict("This Idempotency-Key was already used.")
