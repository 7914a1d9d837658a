"""Whether a session is still signed in, read through the identity cache: on every
authenticated request, and at every heartbeat of an open stream."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, IdentityCache
from domain.sessions import AuthSession


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveSessions:
    uow: UnitOfWorkFactory
    clock: Clock
    identities: IdentityCache

    async def is_live(self, user_id: str, session_id: str) -> bool:
        session = await self.identities.session(user_id, session_id, load=lambda: self._load(session_id))
        return session is not None and session.user_id == user_id and session.is_active(self.clock.now())

    async def _load(self, session_id: str) -> AuthSession | None:
        async with self.uow() as uow:
            return await uow.sessions.get(session_id)
