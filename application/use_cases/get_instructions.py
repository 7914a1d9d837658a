from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.use_cases.authenticate import Principal
from domain.instructions import PersonalInstructions


@dataclass(frozen=True, slots=True, kw_only=True)
class GetInstructions:
    uow: UnitOfWorkFactory

    async def execute(self, principal: Principal) -> PersonalInstructions:
        async with self.uow() as uow:
            return await uow.instructions.of(principal.user_id)
