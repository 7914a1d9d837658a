from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock
from application.services.ownership import owned_chatroom
from application.use_cases.authenticate import Principal
from domain.chat import Chatroom


@dataclass(frozen=True, slots=True, kw_only=True)
class RenameChatroomCommand:
    principal: Principal
    chatroom_id: str
    title: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RenameChatroom:
    uow: UnitOfWorkFactory
    clock: Clock

    async def execute(self, command: RenameChatroomCommand) -> Chatroom:
        async with self.uow() as uow:
            chatroom = await owned_chatroom(uow, chatroom_id=command.chatroom_id, owner_id=command.principal.user_id)
            chatroom.rename(command.title, self.clock.now())
            await uow.chatrooms.update(chatroom)
            await uow.commit()
        return chatroom
