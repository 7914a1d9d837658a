"""A person's gems."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select, update

from adapters.postgres import tables as t
from adapters.postgres.repository import PostgresRepository
from domain.gems import Gem


def _gem(row: Any) -> Gem:
    return Gem(
        id=str(row.id),
        owner_id=str(row.owner_id),
        name=row.name,
        description=row.description,
        instructions=row.instructions,
        temperature=row.temperature,
        model=row.model,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _values(gem: Gem) -> dict[str, Any]:
    return {
        "name": gem.name,
        "description": gem.description,
        "instructions": gem.instructions,
        "temperature": gem.temperature,
        "model": gem.model,
        "updated_at": gem.updated_at,
    }


class PostgresGemRepository(PostgresRepository):
    async def add(self, gem: Gem) -> None:
        await self._execute(
            t.gems.insert().values(
                id=uuid.UUID(gem.id), owner_id=uuid.UUID(gem.owner_id), created_at=gem.created_at, **_values(gem)
            )
        )

    async def get_owned(self, gem_id: str, owner_id: str) -> Gem | None:
        c = t.gems.c
        query = select(t.gems).where(c.id == uuid.UUID(gem_id)).where(c.owner_id == uuid.UUID(owner_id))
        row = (await self._execute(query)).first()
        return None if row is None else _gem(row)

    async def list_for(self, owner_id: str) -> Sequence[Gem]:
        c = t.gems.c
        query = select(t.gems).where(c.owner_id == uuid.UUID(owner_id)).order_by(c.created_at, c.id)
        return [_gem(row) for row in await self._execute(query)]

    async def count_for(self, owner_id: str) -> int:
        c = t.gems.c
        query = select(func.count()).select_from(t.gems).where(c.owner_id == uuid.UUID(owner_id))
        return int((await self._execute(query)).scalar_one())

    async def update(self, gem: Gem) -> None:
        await self._execute(update(t.gems).where(t.gems.c.id == uuid.UUID(gem.id)).values(**_values(gem)))

    async def delete(self, gem: Gem) -> None:
        await self._execute(delete(t.gems).where(t.gems.c.id == uuid.UUID(gem.id)))
