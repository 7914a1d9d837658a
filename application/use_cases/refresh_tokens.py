from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, TokenService
from application.services.sign_in import SignedIn
from domain.errors import Unauthenticated


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshTokensCommand:
    refresh_token: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshTokens:
    """Trade a refresh token for a new pair; the presented token is spent. Presenting a
    spent token again ends the whole session, since only a copy could do that."""

    uow: UnitOfWorkFactory
    clock: Clock
    tokens: TokenService

    async def execute(self, command: RefreshTokensCommand) -> SignedIn:
        claims = self.tokens.read_refresh(command.refresh_token)
        now = self.clock.now()
        async with self.uow() as uow:
            session = await uow.sessions.get(claims.session_id, for_update=True)
            user = await uow.users.get(claims.user_id)
            if session is None or user is None or session.user_id != user.id:
                raise Unauthenticated("The refresh token is not valid.")
            issued = self.tokens.issue(user_id=user.id, session_id=session.id, now=now)
            rotated = session.rotate(
                presented_jti=claims.jti,
                next_jti=issued.refresh_jti,
                now=now,
                expires_at=issued.refresh_expires_at,
            )
            # Rotation moves the session's expiry; a spent token revokes it.
            await uow.sessions.update(session)
            await uow.commit()
        if not rotated:
            raise Unauthenticated("The refresh token was already used or revoked. Sign in again.")
        return SignedIn(tokens=issued, user=user)
