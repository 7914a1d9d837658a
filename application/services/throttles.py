"""The throttles that stand between a stranger and guessing: how often a number may be
sent a code or tried, and how often one client may ask. Shared by every process through
the RateLimiter port."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.ports.services import RateLimiter
from domain.errors import TooManyAttempts
from domain.otp import OtpPurpose
from domain.users import MobileNumber


@dataclass(frozen=True, slots=True, kw_only=True)
class ThrottlePolicy:
    code_sends_per_number: int = 5
    code_sends_per_client: int = 30
    send_window: timedelta = timedelta(minutes=15)
    # With 5 tries per code this caps guesses at ~50 per number per window, against a
    # space of a million codes.
    code_checks_per_number: int = 10
    password_attempts_per_number: int = 10
    attempt_window: timedelta = timedelta(minutes=15)


class AuthThrottle:
    def __init__(self, *, limiter: RateLimiter, policy: ThrottlePolicy) -> None:
        self._limiter = limiter
        self._policy = policy

    async def code_request(self, mobile_number: MobileNumber, purpose: OtpPurpose, client: str | None) -> None:
        """Before a code is sent: per client address (across numbers), then per number."""
        policy = self._policy
        if client:
            await self._hit(f"otp-send:client:{client}", policy.code_sends_per_client, policy.send_window)
        await self._hit(f"otp-send:{purpose}:{mobile_number}", policy.code_sends_per_number, policy.send_window)

    async def code_check(self, mobile_number: MobileNumber, purpose: OtpPurpose) -> None:
        policy = self._policy
        await self._hit(f"otp-verify:{purpose}:{mobile_number}", policy.code_checks_per_number, policy.attempt_window)

    async def password_attempt(self, mobile_number: MobileNumber) -> None:
        policy = self._policy
        await self._hit(f"login:{mobile_number}", policy.password_attempts_per_number, policy.attempt_window)

    async def password_accepted(self, mobile_number: MobileNumber) -> None:
        await self._limiter.clear(f"login:{mobile_number}")

    async def _hit(self, key: str, limit: int, window: timedelta) -> None:
        retry_after = await self._limiter.hit(key, limit=limit, window=window)
        if retry_after is not None:
            raise TooManyAttempts(retry_after_seconds=retry_after)
