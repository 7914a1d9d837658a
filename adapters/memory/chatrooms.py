"""Chatrooms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from adapters.memory.tables import Table, Transaction
from application.ports.repositories import Position, RoomAndOwner
from domain.chat import Chatroom, Message
from domain.instructions import NO_PERSONAL_INSTRUCTIONS, PersonalInstructions
from domain.shares import Share
from domain.users import Tier, User


class InMemoryChatroomRepository:
    def __init__(self, uow: Transaction) -> None:
        self._rows: Table[str, Chatroom] = Table(uow, "chatrooms")
        self._messages: Table[str, Message] = Table(uow, "messages")
        self._shares: Table[str, Share] = Table(uow, "shares")
        self._users: Table[str, User] = Table(uow, "users")
        self._instructions: Table[str, PersonalInstructions] = Table(uow, "personal_instructions")

    async def add(self, chatroom: Chatroom) -> None:
        self._rows.put(chatroom.id, chatroom)

    async def get(self, chatroom_id: str, *, for_update: bool = False) -> Chatroom | None:
        return self._rows.get(chatroom_id)

    async def get_with_owner(self, chatroom_id: str) -> RoomAndOwner | None:
        chatroom = self._rows.get(chatroom_id)
        if chatroom is None:
            return None
        owner = self._users.get(chatroom.owner_id)
        return RoomAndOwner(
            chatroom=chatroom,
            plan=owner.tier if owner is not None else Tier.BASIC,
            instructions=self._instructions.get(chatroom.owner_id) or NO_PERSONAL_INSTRUCTIONS,
        )

    async def get_owned(self, chatroom_id: str, owner_id: str, *, for_update: bool = False) -> Chatroom | None:
        chatroom = self._rows.get(chatroom_id)
        return chatroom if chatroom is not None and chatroom.owner_id == owner_id else None

    async def list_by_activity(
        self, owner_id: str, *, limit: int, before: Position | None, archived: bool = False
    ) -> Sequence[Chatroom]:
        rows = [
            room
            for room in self._rows.rows()
            if room.owner_id == owner_id
            and room.archived is archived
            and not room.temporary
            and (before is None or (room.pinned, room.updated_at, room.id) < (before.pinned, before.at, before.id))
        ]
        rows.sort(key=lambda room: (room.pinned, room.updated_at, room.id), reverse=True)
        return rows[:limit]

    async def list_expired_temporary(self, *, inactive_since: datetime, limit: int) -> Sequence[Chatroom]:
        old = [room for room in self._rows.rows() if room.temporary and room.updated_at < inactive_since]
        return sorted(old, key=lambda room: (room.updated_at, room.id))[:limit]

    async def list_all_of(self, owner_id: str) -> Sequence[Chatroom]:
        return sorted((room for room in self._rows.rows() if room.owner_id == owner_id), key=lambda r: r.created_at)

    async def update(self, chatroom: Chatroom) -> None:
        stored = self._rows.get(chatroom.id)
        if stored is not None:
            self._rows.put(chatroom.id, replace(chatroom, active_leaf_id=stored.active_leaf_id))

    async def touch(self, chatroom: Chatroom, at: datetime, *, active_leaf_id: str | None = None) -> None:
        stored = self._rows.get(chatroom.id)
        if stored is not None:
            stored.touch(at)
            if active_leaf_id is not None:
                stored.active_leaf_id = active_leaf_id
            self._rows.put(chatroom.id, stored)

    async def delete(self, chatroom: Chatroom) -> None:
        """With its messages and share links, as the database's foreign keys cascade."""
        self._rows.delete(chatroom.id)
        for message in list(self._messages.rows()):
            if message.chatroom_id == chatroom.id:
                self._messages.delete(message.id)
        for share in list(self._shares.rows()):
            if share.chatroom_id == chatroom.id:
                self._shares.delete(share.id)
