"""What every way of signing in shares: a new server-side session and its token pair,
and what proving a number by a code means for the account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from application.ports.repositories import UnitOfWork
from application.ports.services import IdGenerator, IssuedTokens, TokenService
from domain.sessions import AuthSession
from domain.users import User


class SignInNotice(StrEnum):
    """Something the person signing in should know about their account."""

    # The number had never been proven; a password set on it before was dropped and the
    # sessions it opened ended.
    PASSWORD_REMOVED = "PASSWORD_REMOVED"  # noqa: S105 - a notice code, not a secret
    # A sign-up for a number that already had an account signed in to that account.
    ACCOUNT_EXISTS = "ACCOUNT_EXISTS"


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedIn:
    tokens: IssuedTokens
    user: User
    notices: tuple[SignInNotice, ...] = ()


async def number_proven(uow: UnitOfWork, user: User, now: datetime) -> tuple[SignInNotice, ...]:
    """Stage what follows from somebody entering a code sent to ``user``'s number. The
    first proof of an account drops a password nobody had shown the owner set, and
    ends the sessions that password opened."""
    if user.is_verified:
        return ()
    dropped = user.prove_number(now)
    await uow.users.update(user)
    if not dropped:
        return ()
    await uow.sessions.revoke_all_for_user(user.id, now)
    return (SignInNotice.PASSWORD_REMOVED,)


async def open_session(
    uow: UnitOfWork,
    *,
    tokens: TokenService,
    ids: IdGenerator,
    user: User,
    now: datetime,
    notices: tuple[SignInNotice, ...] = (),
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
    return SignedIn(tokens=issued, user=user, notices=notices)
