from __future__ import annotations

from dataclasses import dataclass

from application.ports.services import TokenService
from application.services.live_sessions import LiveSessions
from domain.errors import Unauthenticated


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """Who is calling: a user, through one signed-in session."""

    user_id: str
    session_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Authenticate:
    """Accept an access token only while its session is live, so logging out and
    changing the password end access at once rather than at token expiry."""

    tokens: TokenService
    sessions: LiveSessions

    async def execute(self, access_token: str) -> Principal:
        claims = self.tokens.read_access(access_token)
        if not await self.sessions.is_live(claims.user_id, claims.session_id):
            raise Unauthenticated("The session has ended. Sign in again.")
        return Principal(user_id=claims.user_id, session_id=claims.session_id)
