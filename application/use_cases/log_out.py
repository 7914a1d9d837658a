from __future__ import annotations

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, IdentityCache
from application.use_cases.authenticate import Principal


class LogOut:
    """End the caller's session: its access and refresh tokens stop working."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, identities: IdentityCache) -> None:
        self._uow = uow
        self._clock = clock
        self._identities = identities

    async def execute(self, principal: Principal) -> None:
        async with self._uow() as uow:
            session = await uow.sessions.get(principal.session_id, for_update=True)
            if session is not None:
                session.revoke(self._clock.now())
                await uow.sessions.update(session)
                await uow.commit()
        await self._identities.invalidate(principal.user_id)
