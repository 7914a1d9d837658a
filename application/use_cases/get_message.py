from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.services.placement import owned_placed_message
from application.use_cases.authenticate import Principal
from domain.chat import PlacedMessage


@dataclass(frozen=True, slots=True, kw_only=True)
class GetMessageCommand:
    principal: Principal
    chatroom_id: str
    message_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class GetMessage:
    uow: UnitOfWorkFactory

    async def execute(self, command: GetMessageCommand) -> PlacedMessage:
        async with self.uow() as uow:
            return await owned_placed_message(
                uow,
                chatroom_id=command.chatroom_id,
                message_id=command.message_id,
                owner_id=command.principal.user_id,
            )
