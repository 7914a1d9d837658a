from __future__ import annotations

from dataclasses import dataclass

from application.changes import KEEP, Keep
from application.ports.repositories import UnitOfWorkFactory
from application.services.ownership import owned_chatroom
from application.use_cases.authenticate import Principal
from domain.chat import Chatroom
from domain.errors import ValidationError


@dataclass(frozen=True, slots=True, kw_only=True)
class OrganiseChatroomCommand:
    principal: Principal
    chatroom_id: str
    pinned: bool | Keep = KEEP
    archived: bool | Keep = KEEP


@dataclass(frozen=True, slots=True, kw_only=True)
class OrganiseChatroom:
    """Pin a chat on top of the list, or archive it out of the list (archiving unpins;
    pinning brings an archived chat back). Its place in time does not move."""

    uow: UnitOfWorkFactory

    async def execute(self, command: OrganiseChatroomCommand) -> Chatroom:
        if command.pinned is True and command.archived is True:
            raise ValidationError.for_field("archived", "a chat cannot be pinned and archived at once")
        async with self.uow() as uow:
            # Locked: a rename at the same moment writes the whole row too.
            chatroom = await owned_chatroom(
                uow, chatroom_id=command.chatroom_id, owner_id=command.principal.user_id, for_update=True
            )
            if command.archived is not KEEP:
                chatroom.archive(command.archived)
            if command.pinned is not KEEP:
                chatroom.pin(command.pinned)
            await uow.chatrooms.update(chatroom)
            await uow.commit()
        return chatroom
