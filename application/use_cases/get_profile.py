from __future__ import annotations

from application.ports.repositories import UnitOfWorkFactory
from application.use_cases.authenticate import Principal
from domain.errors import NotFound
from domain.users import User


class GetProfile:
    def __init__(self, *, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, principal: Principal) -> User:
        async with self._uow() as uow:
            user = await uow.users.get(principal.user_id)
        if user is None:
            raise NotFound("User not found.")
        return user
