"""Where messages stand among their versions, read in one query for a whole page."""

from __future__ import annotations

from collections.abc import Sequence

from application.ports.repositories import UnitOfWork
from domain.chat import Message, PlacedMessage, Placement


async def placed(uow: UnitOfWork, chatroom_id: str, messages: Sequence[Message]) -> list[PlacedMessage]:
    if not messages:
        return []
    versions = await uow.messages.versions(chatroom_id, {m.parent_id for m in messages})
    return [PlacedMessage(m, Placement.among(m.id, versions.get(m.parent_id, []))) for m in messages]


async def placed_one(uow: UnitOfWork, message: Message) -> PlacedMessage:
    return (await placed(uow, message.chatroom_id, [message]))[0]
