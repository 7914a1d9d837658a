"""What every way of signing in shares: a new server-side session and its token pair."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.ports.repositories import UnitOfWork
from application.ports.services import IdGenerator, IssuedTokens, TokenService
from domain.sessions import AuthSession
from domain.users import User


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedIn:
    tokens: IssuedTokens
    user: User


async def open_session(
    uow: UnitOfWork, *, tokens: TokenService, ids: IdGenerator, user: User, now: datetime
) -> SignedIn:
    """Stage a new session for ``user`` in ``uow``; it counts once the use case commits."""
    session_id = ids.new_id()
    issued = tokens.issue(user_id=user.id, session_id=session_id, now=now)
    await uow.sessions.add(
        AuthSession(
            id=session_id,
            user_id=user.id,
            refresh_jti=issued.refresh_jti,
            created_at=now,
            expires_at=issued.refresh_expires_at,
        )
    )
    return SignedIn(tokens=issued, user=user)
