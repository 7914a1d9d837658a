"""A person's gems."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.memory.tables import Table, Transaction
from domain.gems import Gem


class InMemoryGemRepository:
    def __init__(self, uow: Transaction) -> None:
        self._rows: Table[str, Gem] = Table(uow, "gems")

    async def add(self, gem: Gem) -> None:
        self._rows.put(gem.id, gem)

    async def get_owned(self, gem_id: str, owner_id: str) -> Gem | None:
        gem = self._rows.get(gem_id)
        return gem if gem is not None and gem.owner_id == owner_id else None

    async def list_for(self, owner_id: str) -> Sequence[Gem]:
        mine = [gem for gem in (self._rows.get(key) for key in self._rows.ids()) if gem and gem.owner_id == owner_id]
        return sorted(mine, key=lambda gem: (gem.created_at, gem.id))

    async def count_for(self, owner_id: str) -> int:
        return len(await self.list_for(owner_id))

    async def update(self, gem: Gem) -> None:
        if self._rows.get(gem.id) is not None:
            self._rows.put(gem.id, gem)

    async def delete(self, gem: Gem) -> None:
        self._rows.delete(gem.id)
