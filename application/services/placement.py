"""Where messages stand among their versions, read in one query for a whole page."""

from __future__ import annotations

from collections.abc import Sequence

from application.ports.repositories import UnitOfWork
from application.services.ownership import owned_message
from domain.chat import Message, PlacedMessage, Placement


async def placed(uow: UnitOfWork, chatroom_id: str, messages: Sequence[Message]) -> list[PlacedMessage]:
    if not messages:
        return []
    versions = await uow.messages.versions(chatroom_id, {m.parent_id for m in messages})
    return [PlacedMessage(m, Placement.among(m.id, versions.get(m.parent_id, []))) for m in messages]


async def placed_one(uow: UnitOfWork, message: Message) -> PlacedMessage:
    return (await placed(uow, message.chatroom_id, [message]))[0]


async def owned_placed_message(uow: UnitOfWork, *, chatroom_id: str, message_id: str, owner_id: str) -> PlacedMessage:
    """The caller's message with its place among its versions (404 for anyone else's)."""
    message = await owned_message(uow, chatroom_id=chatroom_id, message_id=message_id, owner_id=owner_id)
    return await placed_one(uow, message)
