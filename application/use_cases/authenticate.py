from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, IdentityCache, TokenService
from domain.errors import Unauthenticated
from domain.sessions import AuthSession


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """Who is calling: a user, through one signed-in session."""

    user_id: str
    session_id: str


class Authenticate:
    """Accept an access token only while its session is live, so logging out and
    changing the password end access at once rather than at token expiry."""

    def __init__(
        self, *, uow: UnitOfWorkFactory, clock: Clock, tokens: TokenService, identities: IdentityCache
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._tokens = tokens
        self._identities = identities

    async def execute(self, access_token: str) -> Principal:
        claims = self._tokens.read_access(access_token)
        session = await self._identities.session(
            claims.user_id, claims.session_id, load=lambda: self._load_session(claims.session_id)
        )
        if session is None or session.user_id != claims.user_id or not session.is_active(self._clock.now()):
            raise Unauthenticated("The session has ended. Sign in again.")
        return Principal(user_id=claims.user_id, session_id=claims.session_id)

    async def _load_session(self, session_id: str) -> AuthSession | None:
        async with self._uow() as uow:
            return await uow.sessions.get(session_id)
