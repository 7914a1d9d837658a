from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(slots=True)
class AuthSession:
    """One signed-in device: the server-side record behind a refresh token.

    Refresh tokens rotate: each refresh spends the current token id and records the
    next. Presenting a spent id again means the token was copied, so the whole session
    is revoked (RFC 6819 §5.2.2.3, refresh token rotation).
    """

    id: str
    user_id: str
    refresh_jti: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def rotate(self, *, presented_jti: str, next_jti: str, now: datetime, expires_at: datetime) -> bool:
        """Move to ``next_jti``; return False (and revoke) when ``presented_jti`` is stale."""
        if not self.is_active(now):
            return False
        if presented_jti != self.refresh_jti:
            self.revoke(now)
            return False
        self.refresh_jti = next_jti
        self.expires_at = expires_at
        return True

    def revoke(self, now: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = now
