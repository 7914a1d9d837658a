from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.services.ownership import owned_chatroom
from application.use_cases.authenticate import Principal


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteChatroomCommand:
    principal: Principal
    chatroom_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteChatroom:
    """Delete a chatroom with its messages. A reply still being written is dropped by
    its worker, which finds the message gone."""

    uow: UnitOfWorkFactory

    async def execute(self, command: DeleteChatroomCommand) -> None:
        async with self.uow() as uow:
            chatroom = await owned_chatroom(uow, chatroom_id=command.chatroom_id, owner_id=command.principal.user_id)
            await uow.chatrooms.delete(chatroom)
            await uow.commit()
