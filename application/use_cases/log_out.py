from __future__ import annotations

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock
from application.use_cases.authenticate import Principal


class LogOut:
    """End the caller's session: its access and refresh tokens stop working."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, principal: Principal) -> None:
        async with self._uow() as uow:
            session = await uow.sessions.get(principal.session_id, for_update=True)
            if session is not None:
                session.revoke(self._clock.now())
                await uow.sessions.update(session)
                await uow.commit()
