"""The caller's own chatrooms and messages: somebody else's are reported exactly like
missing ones (404, never 403), so ids cannot be probed."""

from __future__ import annotations

from application.ports.repositories import UnitOfWork
from domain.chat import Chatroom, Message
from domain.errors import NotFound
from domain.gems import Gem
from domain.uploads import Upload


async def owned_chatroom(uow: UnitOfWork, *, chatroom_id: str, owner_id: str, for_update: bool = False) -> Chatroom:
    """The caller's chatroom. Somebody else's is reported exactly like a missing one,
    so ids cannot be probed."""
    chatroom = await uow.chatrooms.get_owned(chatroom_id, owner_id, for_update=for_update)
    if chatroom is None:
        raise NotFound("Chatroom not found.")
    return chatroom


async def owned_message(uow: UnitOfWork, *, chatroom_id: str, message_id: str, owner_id: str) -> Message:
    await owned_chatroom(uow, chatroom_id=chatroom_id, owner_id=owner_id)
    message = await uow.messages.get_in_chatroom(chatroom_id, message_id)
    if message is None:
        raise NotFound("Message not found.")
    return message


async def owned_gem(uow: UnitOfWork, *, gem_id: str, owner_id: str) -> Gem:
    """The caller's gem; somebody else's is reported exactly like a missing one."""
    gem = await uow.gems.get_owned(gem_id, owner_id)
    if gem is None:
        raise NotFound("Gem not found.")
    return gem


async def owned_upload(uow: UnitOfWork, *, upload_id: str, owner_id: str, for_update: bool = False) -> Upload:
    """The caller's upload; somebody else's is reported exactly like a missing one."""
    upload = await uow.uploads.get_owned(upload_id, owner_id, for_update=for_update)
    if upload is None:
        raise NotFound("Upload not found.")
    return upload
