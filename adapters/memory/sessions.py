"""Signed-in sessions."""

from __future__ import annotations

from datetime import datetime

from adapters.memory.tables import Table, Transaction
from domain.sessions import AuthSession


class InMemorySessionRepository:
    def __init__(self, uow: Transaction) -> None:
        self._rows: Table[str, AuthSession] = Table(uow, "sessions")

    async def add(self, session: AuthSession) -> None:
        self._rows.put(session.id, session)

    async def get(self, session_id: str, *, for_update: bool = False) -> AuthSession | None:
        # Units of work are serialized here, so every read is already "for update".
        return self._rows.get(session_id)

    async def update(self, session: AuthSession) -> None:
        self._rows.put(session.id, session)

    async def revoke_all_for_user(self, user_id: str, now: datetime) -> None:
        for session in list(self._rows.rows()):
            if session.user_id == user_id and session.revoked_at is None:
                session.revoke(now)
                self._rows.put(session.id, session)
