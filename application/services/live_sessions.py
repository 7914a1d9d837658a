"""Whether a session is still signed in: on every authenticated request, and at every
heartbeat of an open stream. (Usually answered from this process's copy.)"""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveSessions:
    uow: UnitOfWorkFactory
    clock: Clock

    async def is_live(self, user_id: str, session_id: str) -> bool:
        async with self.uow() as uow:
            session = await uow.sessions.get(session_id)
        return session is not None and session.user_id == user_id and session.is_active(self.clock.now())
