from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, IdGenerator
from application.use_cases.authenticate import Principal
from domain.chat import Chatroom


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateChatroomCommand:
    principal: Principal
    title: str | None = None
    system_instruction: str = ""
    temperature: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateChatroom:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator

    async def execute(self, command: CreateChatroomCommand) -> Chatroom:
        chatroom = Chatroom.open(
            id=self.ids.new_id(),
            owner_id=command.principal.user_id,
            title=command.title,
            now=self.clock.now(),
            system_instruction=command.system_instruction,
            temperature=command.temperature,
        )
        async with self.uow() as uow:
            await uow.chatrooms.add(chatroom)
            await uow.commit()
        return chatroom
