"""Messages and replies."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from adapters.memory.tables import Table, Transaction
from domain.chat import Chatroom, ContextMessage, Message, MessageStatus, PlacedMessage, Placement
from domain.errors import Conflict


def _age(message: Message) -> tuple[datetime, str]:
    return (message.created_at, message.id)


class InMemoryMessageRepository:
    def __init__(self, uow: Transaction) -> None:
        self._rows: Table[str, Message] = Table(uow, "messages")
        self._chatrooms: Table[str, Chatroom] = Table(uow, "chatrooms")

    async def add(self, message: Message) -> None:
        await self.add_all([message])

    async def add_all(self, messages: Sequence[Message]) -> None:
        ids = [message.id for message in messages]
        if len(set(ids)) != len(ids) or any(self._rows.get(message_id) is not None for message_id in ids):
            raise Conflict("That conflicts with existing data.")
        for message in messages:
            self._rows.put(message.id, message)

    async def get(self, message_id: str, *, for_update: bool = False) -> Message | None:
        return self._rows.get(message_id)

    async def get_in_chatroom(self, chatroom_id: str, message_id: str) -> Message | None:
        message = self._rows.get(message_id)
        return message if message is not None and message.chatroom_id == chatroom_id else None

    async def list_branch(self, chatroom_id: str, *, leaf_id: str, limit: int | None) -> Sequence[Message]:
        return self._walk(chatroom_id, leaf_id, limit=limit, characters=None)

    async def context_before(
        self, chatroom_id: str, *, leaf_id: str, limit: int, characters: int
    ) -> Sequence[ContextMessage]:
        return [
            ContextMessage(m.id, m.parent_id, m.reply_to, m.role, m.status, m.content, m.attachments)
            for m in self._walk(chatroom_id, leaf_id, limit=limit, characters=characters)
        ]

    def _walk(self, chatroom_id: str, leaf_id: str, *, limit: int | None, characters: int | None) -> list[Message]:
        branch: list[Message] = []
        read = 0
        message = self._in_room(chatroom_id, leaf_id)
        while (
            message is not None
            and (limit is None or len(branch) < limit)
            and (characters is None or not branch or read < characters)
        ):
            branch.append(message)
            read += len(message.content)
            message = self._in_room(chatroom_id, message.parent_id) if message.parent_id else None
        return branch

    async def page_of_branch(self, chatroom_id: str, *, leaf_id: str, limit: int) -> Sequence[PlacedMessage]:
        page = await self.list_branch(chatroom_id, leaf_id=leaf_id, limit=limit)
        versions = await self.versions(chatroom_id, {m.parent_id for m in page})
        return [PlacedMessage(m, Placement.among(m.id, versions[m.parent_id])) for m in page]

    async def all_in(self, chatroom_id: str) -> Sequence[Message]:
        return sorted((m for m in self._rows.rows() if m.chatroom_id == chatroom_id), key=_age)

    async def versions(self, chatroom_id: str, parent_ids: Collection[str | None]) -> Mapping[str | None, list[str]]:
        found: dict[str | None, list[Message]] = {parent: [] for parent in parent_ids}
        for message in self._rows.rows():
            if message.chatroom_id == chatroom_id and message.parent_id in found:
                found[message.parent_id].append(message)
        return {parent: [m.id for m in sorted(versions, key=_age)] for parent, versions in found.items()}

    async def newest_leaf(self, chatroom_id: str, message_id: str) -> str:
        children: dict[str, list[Message]] = {}
        for message in self._rows.rows():
            if message.chatroom_id == chatroom_id and message.parent_id is not None:
                children.setdefault(message.parent_id, []).append(message)
        leaf = message_id
        while children.get(leaf):
            leaf = max(children[leaf], key=_age).id
        return leaf

    def _in_room(self, chatroom_id: str, message_id: str) -> Message | None:
        message = self._rows.get(message_id)
        return message if message is not None and message.chatroom_id == chatroom_id else None

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
