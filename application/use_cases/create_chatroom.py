from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from application.changes import KEEP, Keep
from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, IdGenerator
from application.services.ownership import owned_gem
from application.services.plans import plan_of
from application.use_cases.authenticate import Principal
from domain.chat import Chatroom
from domain.models import ModelCatalogue

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateChatroomCommand:
    principal: Principal
    title: str | None = None
    # A chat started from a gem follows its instructions, and its temperature unless one
    # is given here.
    gem_id: str | None = None
    system_instruction: str | Keep = KEEP
    temperature: float | Keep | None = KEEP
    # A model of the caller's plan; None: the plan's default. Unsaid: the gem's model.
    model: str | Keep | None = KEEP
    # Never listed, and deleted a day after its last message.
    temporary: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateChatroom:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    models: ModelCatalogue

    async def execute(self, command: CreateChatroomCommand) -> Chatroom:
        owner = command.principal.user_id
        async with self.uow() as uow:
            gem = None if command.gem_id is None else await owned_gem(uow, gem_id=command.gem_id, owner_id=owner)
            model = gem.model if gem else None
            if command.model is not KEEP:
                model = self.models.choose(command.model, await plan_of(uow, owner))
            chatroom = Chatroom.open(
                id=self.ids.new_id(),
                owner_id=owner,
                title=command.title,
                now=self.clock.now(),
                # Copied, not linked: editing the gem later does not rewrite this chat.
                system_instruction=_given(command.system_instruction, ""),
                temperature=_given(command.temperature, gem.temperature if gem else None),
                gem_instructions=gem.instructions if gem else "",
                model=model,
                temporary=command.temporary,
            )
            await uow.chatrooms.add(chatroom)
            await uow.commit()
        return chatroom


def _given(value: T | Keep, otherwise: T) -> T:
    return otherwise if value is KEEP else value
