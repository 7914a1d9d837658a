from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from application.ports.services import AccessClaims, Clock, IssuedTokens, RefreshClaims
from domain.errors import Unauthenticated

ACCESS = "access"
REFRESH = "refresh"
_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "jti", "sub", "sid", "typ"]


@dataclass(frozen=True, slots=True, kw_only=True)
class JwtSettings:
    # kid -> secret. Tokens are signed with ``active_kid``; any kid in the set verifies,
    # so a rotated-out key keeps its tokens valid until they expire.
    keys: Mapping[str, str]
    active_kid: str
    issuer: str = "gemini-chat"
    audience: str = "gemini-chat-api"
    algorithm: str = "HS256"
    access_ttl: timedelta = timedelta(minutes=15)
    refresh_ttl: timedelta = timedelta(days=30)
    leeway: timedelta = timedelta(seconds=10)


class JwtTokenService:
    """Signed JWTs (RFC 8725 practice): the algorithm is pinned, the key is looked up by
    ``kid`` only in our own key set, and ``typ`` keeps access and refresh tokens apart.

    Expiry is checked against the injected clock rather than the wall clock, so the
    whole service agrees on what time it is.
    """

    def __init__(self, settings: JwtSettings, clock: Clock, *, remember: int = 10_000) -> None:
        if settings.active_kid not in settings.keys:
            raise ValueError("the active JWT key id is not in the key set")
        self._settings = settings
        self._clock = clock
        # Access tokens whose signature and claims were verified: token -> (claims, exp).
        # A client sends the same token for its whole life, and checking the signature
        # is the largest cost of an authenticated request that hits the caches. Expiry is
        # still checked on every use.
        self._verified: dict[str, tuple[AccessClaims, int]] = {}
        self._remember = remember

    def issue(self, *, user_id: str, session_id: str, now: datetime) -> IssuedTokens:
        s = self._settings
        refresh_jti = uuid.uuid4().hex
        refresh_expires_at = now + s.refresh_ttl
        access = self._encode(ACCESS, user_id, session_id, uuid.uuid4().hex, now, now + s.access_ttl)
        refresh = self._encode(REFRESH, user_id, session_id, refresh_jti, now, refresh_expires_at)
        return IssuedTokens(
            access_token=access,
            refresh_token=refresh,
            expires_in=int(s.access_ttl.total_seconds()),
            refresh_jti=refresh_jti,
            refresh_expires_at=refresh_expires_at,
        )

    def read_access(self, token: str) -> AccessClaims:
        known = self._verified.get(token)
        if known is not None:
            self._check_expiry(known[1])
            return known[0]
        claims = self._decode(token, ACCESS)
        access = AccessClaims(user_id=claims["sub"], session_id=claims["sid"])
        if len(self._verified) >= self._remember:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (access, claims["exp"])
        return access

    def read_refresh(self, token: str) -> RefreshClaims:
        claims = self._decode(token, REFRESH)
        return RefreshClaims(user_id=claims["sub"], session_id=claims["sid"], jti=claims["jti"])

    def _encode(self, typ: str, user_id: str, session_id: str, jti: str, now: datetime, expires_at: datetime) -> str:
        s = self._settings
        payload = {
            "iss": s.issuer,
            "aud": s.audience,
            "sub": user_id,
            "sid": session_id,
            "jti": jti,
            "typ": typ,
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
        }
        return jwt.encode(payload, s.keys[s.active_kid], algorithm=s.algorithm, headers={"kid": s.active_kid})

    def _decode(self, token: str, typ: str) -> dict[str, Any]:
        s = self._settings
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = s.keys.get(kid) if isinstance(kid, str) else None
            if key is None:
                raise Unauthenticated("The token is not valid.")
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[s.algorithm],
                audience=s.audience,
                issuer=s.issuer,
                options={"require": _REQUIRED_CLAIMS, "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError:
            raise Unauthenticated("The token is not valid.") from None
        if claims.get("typ") != typ:
            raise Unauthenticated("The token is not valid.")
        if not isinstance(claims["exp"], int):
            raise Unauthenticated("The token is not valid.")
        self._check_expiry(claims["exp"])
        now = self._clock.now().astimezone(UTC).timestamp()
        if not isinstance(claims["iat"], int) or claims["iat"] - s.leeway.total_seconds() > now:
            raise Unauthenticated("The token is not valid.")
        if not all(isinstance(claims[name], str) for name in ("sub", "sid", "jti")):
            raise Unauthenticated("The token is not valid.")
        return claims

    def _check_expiry(self, exp: int) -> None:
        if exp + self._settings.leeway.total_seconds() <= self._clock.now().astimezone(UTC).timestamp():
            raise Unauthenticated("The token has expired.")
