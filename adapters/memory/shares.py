"""Shared chats."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.memory.tables import Table, Transaction
from domain.shares import Share


class InMemoryShareRepository:
    """Shares go with their chatroom (InMemoryChatroomRepository.delete)."""

    def __init__(self, uow: Transaction) -> None:
        self._rows: Table[str, Share] = Table(uow, "shares")

    async def add(self, share: Share) -> None:
        self._rows.put(share.id, share)

    async def get(self, share_id: str) -> Share | None:
        return self._rows.get(share_id)

    async def get_owned(self, share_id: str, owner_id: str) -> Share | None:
        share = await self.get(share_id)
        return share if share is not None and share.owner_id == owner_id else None

    async def list_for(self, owner_id: str, *, limit: int) -> Sequence[Share]:
        mine = [s for s in self._rows.rows() if s.owner_id == owner_id]
        return sorted(mine, key=lambda s: (s.created_at, s.id), reverse=True)[:limit]

    async def delete(self, share: Share) -> None:
        self._rows.delete(share.id)
