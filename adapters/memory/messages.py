"""Messages and replies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.memory.tables import Table, Transaction, is_before
from application.ports.repositories import Position
from domain.chat import Chatroom, Message, MessageStatus


class InMemoryMessageRepository:
    def __init__(self, uow: Transaction) -> None:
        self._rows: Table[str, Message] = Table(uow, "messages")
        self._chatrooms: Table[str, Chatroom] = Table(uow, "chatrooms")

    async def add(self, message: Message) -> None:
        self._rows.put(message.id, message)

    async def get(self, message_id: str, *, for_update: bool = False) -> Message | None:
        return self._rows.get(message_id)

    async def get_in_chatroom(self, chatroom_id: str, message_id: str) -> Message | None:
        message = self._rows.get(message_id)
        return message if message is not None and message.chatroom_id == chatroom_id else None

    async def list_latest(self, chatroom_id: str, *, limit: int, before: Position | None) -> Sequence[Message]:
        rows = [
            message
            for message in self._rows.rows()
            if message.chatroom_id == chatroom_id and is_before(before, message.created_at, message.id)
        ]
        rows.sort(key=lambda message: (message.created_at, message.id), reverse=True)
        return rows[:limit]

    async def update(self, message: Message) -> None:
        if self._rows.get(message.id) is not None:
            self._rows.put(message.id, message)

    async def list_failed_since(self, since: datetime, *, limit: int) -> Sequence[str]:
        failed = [m for m in self._rows.rows() if m.status is MessageStatus.FAILED and m.created_at >= since]
        failed.sort(key=lambda message: (message.created_at, message.id))
        return [message.id for message in failed[:limit]]

    async def count_unfinished_replies(self, owner_id: str) -> int:
        owned = {room.id for room in self._chatrooms.rows() if room.owner_id == owner_id}
        return sum(
            1
            for message in self._rows.rows()
            if message.chatroom_id in owned and message.status in (MessageStatus.PENDING, MessageStatus.STREAMING)
        )

    async def list_stalled(self, *, pending_before: datetime, now: datetime, limit: int) -> Sequence[str]:
        stalled = [
            message
            for message in self._rows.rows()
            if (message.status is MessageStatus.PENDING and message.created_at < pending_before)
            or (message.status is MessageStatus.STREAMING and not message.is_leased(now))
        ]
        stalled.sort(key=lambda message: (message.created_at, message.id))
        return [message.id for message in stalled[:limit]]
