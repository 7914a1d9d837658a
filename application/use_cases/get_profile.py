from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.use_cases.authenticate import Principal
from domain.errors import NotFound
from domain.users import User


@dataclass(frozen=True, slots=True, kw_only=True)
class GetProfile:
    uow: UnitOfWorkFactory

    async def execute(self, principal: Principal) -> User:
        async with self.uow() as uow:
            user = await uow.users.get(principal.user_id)
        if user is None:
            raise NotFound("User not found.")
        return user
