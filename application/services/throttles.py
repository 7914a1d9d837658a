"""The throttles between a stranger and guessing: how often a number may be sent a code
or tried, how often one client may ask, how many failures in a row one account takes,
and how much password hashing the whole service does. Shared by every process through
the RateLimiter port, and closed when it fails: if the counters cannot be read, the
attempt is refused (503), never let through unchecked."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from application.ports.services import RateLimiter
from domain.errors import DependencyUnavailable, TooManyAttempts
from domain.otp import OtpPurpose
from domain.users import MobileNumber

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class ThrottlePolicy:
    code_sends_per_number: int = 5
    code_sends_per_client: int = 30
    send_window: timedelta = timedelta(minutes=15)
    # With 5 tries per code this caps guesses at ~50 per number per window, against a
    # space of a million codes.
    code_checks_per_number: int = 10
    password_attempts_per_number: int = 10
    # Every sign-in attempt (a code or a password) from one client address.
    attempts_per_client: int = 100
    attempt_window: timedelta = timedelta(minutes=15)
    # Failed attempts in a row on one number, whatever the purpose, before it is refused
    # until the oldest is forgotten (NIST SP 800-63B §5.2.2 allows at most 100).
    consecutive_failures: int = 50
    failure_memory: timedelta = timedelta(hours=24)
    # For the whole service: a flood from many addresses and numbers cannot buy more
    # password hashing than this.
    password_logins_per_minute: int = 600
    sign_ups_per_minute: int = 120


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthThrottle:
    limiter: RateLimiter
    policy: ThrottlePolicy

    async def code_request(self, mobile_number: MobileNumber, purpose: OtpPurpose, client: str | None) -> None:
        """Before a code is sent: per client address (across numbers), then per number."""
        policy = self.policy
        if client:
            await self._hit(f"otp-send:client:{client}", policy.code_sends_per_client, policy.send_window)
        await self._hit(f"otp-send:{purpose}:{mobile_number}", policy.code_sends_per_number, policy.send_window)

    async def sign_up(self, mobile_number: MobileNumber, client: str | None) -> None:
        await self._hit("signup:all", self.policy.sign_ups_per_minute, timedelta(minutes=1))
        await self.code_request(mobile_number, OtpPurpose.SIGNUP, client)

    async def code_check(self, mobile_number: MobileNumber, purpose: OtpPurpose, client: str | None) -> None:
        policy = self.policy
        await self._attempt(mobile_number, client)
        await self._hit(f"otp-verify:{purpose}:{mobile_number}", policy.code_checks_per_number, policy.attempt_window)

    async def password_attempt(self, mobile_number: MobileNumber, client: str | None) -> None:
        policy = self.policy
        await self._hit("login:all", policy.password_logins_per_minute, timedelta(minutes=1))
        await self._attempt(mobile_number, client)
        await self._hit(f"login:{mobile_number}", policy.password_attempts_per_number, policy.attempt_window)

    async def succeeded(self, mobile_number: MobileNumber) -> None:
        """The number proved itself: its failures in a row start again from zero. Failing
        to clear leaves the counts higher, never lower, so it is logged, not raised."""
        try:
            await self.limiter.clear(f"failures:{mobile_number}")
            await self.limiter.clear(f"login:{mobile_number}")
        except DependencyUnavailable:
            log.warning("could not clear the failure count of a number that signed in")

    async def _attempt(self, mobile_number: MobileNumber, client: str | None) -> None:
        policy = self.policy
        if client:
            await self._hit(f"attempt:client:{client}", policy.attempts_per_client, policy.attempt_window)
        # Counted before the attempt and cleared on success: what is left is the run of
        # failures (and refusals) since the number last proved itself.
        await self._hit(f"failures:{mobile_number}", policy.consecutive_failures, policy.failure_memory)

    async def _hit(self, key: str, limit: int, window: timedelta) -> None:
        retry_after = await self.limiter.hit(key, limit=limit, window=window)
        if retry_after is not None:
            raise TooManyAttempts(retry_after_seconds=retry_after)
