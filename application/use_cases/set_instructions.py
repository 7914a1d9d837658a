from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock
from application.use_cases.authenticate import Principal
from domain.instructions import PersonalInstructions


@dataclass(frozen=True, slots=True, kw_only=True)
class SetInstructionsCommand:
    principal: Principal
    about_me: str
    response_style: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SetInstructions:
    """Replace a person's standing instructions; every reply written from now on follows them."""

    uow: UnitOfWorkFactory
    clock: Clock

    async def execute(self, command: SetInstructionsCommand) -> PersonalInstructions:
        instructions = PersonalInstructions.given(about_me=command.about_me, response_style=command.response_style)
        async with self.uow() as uow:
            await uow.instructions.put(command.principal.user_id, instructions, self.clock.now())
            await uow.commit()
        return instructions
