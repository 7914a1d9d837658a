from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock
from application.use_cases.authenticate import Principal


@dataclass(frozen=True, slots=True, kw_only=True)
class LogOut:
    """End the caller's session: its access and refresh tokens stop working."""

    uow: UnitOfWorkFactory
    clock: Clock

    async def execute(self, principal: Principal) -> None:
        async with self.uow() as uow:
            session = await uow.sessions.get(principal.session_id, for_update=True)
            if session is not None:
                session.revoke(self.clock.now())
                await uow.sessions.update(session)
                await uow.commit()
