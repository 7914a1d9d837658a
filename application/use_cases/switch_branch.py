from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.services.ownership import owned_chatroom
from application.use_cases.authenticate import Principal
from domain.chat import Chatroom
from domain.errors import ValidationError


@dataclass(frozen=True, slots=True, kw_only=True)
class SwitchBranchCommand:
    principal: Principal
    chatroom_id: str
    message_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SwitchBranch:
    """Show the branch through a message: from it, the newest version at every step
    down to a leaf (so switching to "‹ 2 / 3 ›" shows that version's latest thread)."""

    uow: UnitOfWorkFactory

    async def execute(self, command: SwitchBranchCommand) -> Chatroom:
        async with self.uow() as uow:
            # Locked: a send in the same room moves the active branch too.
            chatroom = await owned_chatroom(
                uow, chatroom_id=command.chatroom_id, owner_id=command.principal.user_id, for_update=True
            )
            if await uow.messages.get_in_chatroom(chatroom.id, command.message_id) is None:
                raise ValidationError.for_field("active_leaf_id", "must be a message in this chatroom")
            leaf = await uow.messages.newest_leaf(chatroom.id, command.message_id)
            # Switching is not activity: the room keeps its place in the list.
            await uow.chatrooms.touch(chatroom, chatroom.updated_at, active_leaf_id=leaf)
            await uow.commit()
        chatroom.active_leaf_id = leaf
        return chatroom
