from __future__ import annotations

from dataclasses import dataclass

from application.changes import KEEP, Keep
from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock
from application.services.ownership import owned_chatroom
from application.services.plans import plan_of
from application.use_cases.authenticate import Principal
from domain.chat import Chatroom
from domain.models import ModelCatalogue


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigureChatroomCommand:
    principal: Principal
    chatroom_id: str
    system_instruction: str | Keep = KEEP
    # None: back to the deployment's default.
    temperature: float | Keep | None = KEEP
    # A model of the caller's plan; None: back to the plan's default.
    model: str | Keep | None = KEEP


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigureChatroom:
    """Change how one chat is answered: its model, its own instruction, its temperature.
    Replies written from then on follow them; written ones stay as they are."""

    uow: UnitOfWorkFactory
    clock: Clock
    models: ModelCatalogue

    async def execute(self, command: ConfigureChatroomCommand) -> Chatroom:
        now = self.clock.now()
        async with self.uow() as uow:
            # Locked: a rename at the same moment writes the whole row too.
            chatroom = await owned_chatroom(
                uow, chatroom_id=command.chatroom_id, owner_id=command.principal.user_id, for_update=True
            )
            if command.system_instruction is not KEEP:
                chatroom.instruct(command.system_instruction, now)
            if command.temperature is not KEEP:
                chatroom.set_temperature(command.temperature, now)
            if command.model is not KEEP:
                chatroom.choose_model(self.models.choose(command.model, await plan_of(uow, chatroom.owner_id)), now)
            await uow.chatrooms.update(chatroom)
            await uow.commit()
        return chatroom
