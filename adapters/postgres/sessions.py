"""Signed-in sessions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres import tables as t
from adapters.postgres.repository import PostgresRepository, locked
from domain.sessions import AuthSession


def _session(row: Any) -> AuthSession:
    return AuthSession(
        id=str(row.id),
        user_id=str(row.user_id),
        refresh_jti=row.refresh_jti,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


class PostgresSessionRepository(PostgresRepository):
    async def add(self, session: AuthSession) -> None:
        await self._execute(
            insert(t.sessions).values(
                id=uuid.UUID(session.id),
                user_id=uuid.UUID(session.user_id),
                refresh_jti=session.refresh_jti,
                created_at=session.created_at,
                expires_at=session.expires_at,
                revoked_at=session.revoked_at,
            )
        )

    async def get(self, session_id: str, *, for_update: bool = False) -> AuthSession | None:
        key = uuid.UUID(session_id)
        query = select(t.sessions).where(t.sessions.c.id == key)
        row = (await self._execute(locked(query, for_update))).first()
        return None if row is None else _session(row)

    async def update(self, session: AuthSession) -> None:
        await self._execute(
            update(t.sessions)
            .where(t.sessions.c.id == uuid.UUID(session.id))
            .values(refresh_jti=session.refresh_jti, expires_at=session.expires_at, revoked_at=session.revoked_at)
        )

    async def revoke_all_for_user(self, user_id: str, now: datetime) -> None:
        await self._execute(
            update(t.sessions)
            .where(t.sessions.c.user_id == uuid.UUID(user_id))
            .where(t.sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
