"""Shared chats."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.memory.tables import Table, Transaction
from domain.chat import Chatroom
from domain.shares import Share


class InMemoryShareRepository:
    """A share goes with its chatroom, as the database's foreign key has it."""

    def __init__(self, uow: Transaction) -> None:
        self._rows: Table[str, Share] = Table(uow, "shares")
        self._chatrooms: Table[str, Chatroom] = Table(uow, "chatrooms")

    async def add(self, share: Share) -> None:
        self._rows.put(share.id, share)

    async def get(self, share_id: str) -> Share | None:
        share = self._rows.get(share_id)
        return share if share is not None and self._chatrooms.get(share.chatroom_id) is not None else None

    async def get_owned(self, share_id: str, owner_id: str) -> Share | None:
        share = await self.get(share_id)
        return share if share is not None and share.owner_id == owner_id else None

    async def list_for(self, owner_id: str, *, limit: int) -> Sequence[Share]:
        mine = [s for s in self._rows.rows() if s.owner_id == owner_id and self._chatrooms.get(s.chatroom_id)]
        return sorted(mine, key=lambda s: (s.created_at, s.id), reverse=True)[:limit]

    async def delete(self, share: Share) -> None:
        self._rows.delete(share.id)
