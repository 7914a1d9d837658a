from __future__ import annotations

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import IdentityCache
from application.use_cases.authenticate import Principal
from domain.errors import NotFound
from domain.users import User


class GetProfile:
    def __init__(self, *, uow: UnitOfWorkFactory, identities: IdentityCache) -> None:
        self._uow = uow
        self._identities = identities

    async def execute(self, principal: Principal) -> User:
        user = await self._identities.user(principal.user_id, load=lambda: self._load(principal.user_id))
        if user is None:
            raise NotFound("User not found.")
        return user

    async def _load(self, user_id: str) -> User | None:
        async with self._uow() as uow:
            return await uow.users.get(user_id)
