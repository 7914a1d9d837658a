from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.errors import InvalidOtp
from domain.users import MobileNumber

OTP_DIGITS = 6
MAX_VERIFY_ATTEMPTS = 5


class OtpPurpose(StrEnum):
    LOGIN = "login"
    RESET = "reset"
    SIGNUP = "signup"
    # A signed-in user proving, again, that they hold the number (setting a first password).
    CONFIRM = "confirm"


class CodeNotice(StrEnum):
    """What the message carrying a code tells its reader."""

    SIGN_IN = "sign_in"
    SIGN_UP = "sign_up"
    # Somebody asked to sign this number up, but it has an account already.
    ALREADY_REGISTERED = "already_registered"
    RESET_PASSWORD = "reset_password"  # noqa: S105 - a notice, not a secret
    # Somebody asked to reset a password, but no account has this number.
    NO_ACCOUNT = "no_account"
    CONFIRM = "confirm"


def code_text(notice: CodeNotice, code: str, *, expires_in: int) -> str:
    """The text message for a code. Answers to strangers are the same for every number;
    what differs (an account exists or not) is told only to whoever holds the phone."""
    minutes = max(1, expires_in // 60)
    valid = f"It expires in {minutes} minutes. Never share it with anyone."
    if notice is CodeNotice.SIGN_IN:
        return f"{code} is your sign-in code. {valid}"
    if notice is CodeNotice.SIGN_UP:
        return f"{code} is your code to finish signing up. {valid}"
    if notice is CodeNotice.ALREADY_REGISTERED:
        return (
            f"Somebody asked to sign this number up, but it already has an account. If it was you, {code} signs"
            f" you in to that account. {valid}"
        )
    if notice is CodeNotice.RESET_PASSWORD:
        return f"{code} is your code to reset your password. {valid}"
    if notice is CodeNotice.NO_ACCOUNT:
        return "Somebody asked to reset a password for this number, but no account uses it. You can ignore this."
    return f"{code} confirms a change to your account. {valid}"


def new_otp_code() -> str:
    return f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"


def looks_like_otp(code: str) -> bool:
    return len(code) == OTP_DIGITS and code.isascii() and code.isdigit()


def new_flow_token() -> str:
    """A secret handed only to the client that started a flow (a sign-up)."""
    return secrets.token_urlsafe(32)


def flow_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SignUpDetails:
    """What a sign-up asked for, held with its code and inert until the code is entered
    by the client that started it (the one holding the flow token)."""

    flow_hash: str
    password_hash: str | None = None
    name: str | None = None

    def started_by(self, flow_token: str | None) -> bool:
        return flow_token is not None and hmac.compare_digest(self.flow_hash, flow_hash(flow_token))


@dataclass(slots=True)
class OtpChallenge:
    """One code sent to one number for one purpose.

    There is at most one challenge per (number, purpose): issuing a new one replaces,
    and so voids, the old. The code itself is never stored, only its hash.
    """

    id: str
    mobile_number: MobileNumber
    purpose: OtpPurpose
    code_hash: str
    created_at: datetime
    expires_at: datetime
    attempts: int = 0
    consumed_at: datetime | None = None
    signup: SignUpDetails | None = None

    @classmethod
    def issue(
        cls,
        *,
        id: str,
        mobile_number: MobileNumber,
        purpose: OtpPurpose,
        code_hash: str,
        now: datetime,
        ttl: timedelta,
        signup: SignUpDetails | None = None,
    ) -> OtpChallenge:
        return cls(
            id=id,
            mobile_number=mobile_number,
            purpose=purpose,
            code_hash=code_hash,
            created_at=now,
            expires_at=now + ttl,
            signup=signup,
        )

    def is_live(self, now: datetime) -> bool:
        return self.consumed_at is None and now < self.expires_at and self.attempts < MAX_VERIFY_ATTEMPTS

    def redeem(self, *, code_matches: bool, now: datetime, flow_token: str | None = None) -> None:
        """Spend the challenge on a correct code, or count a wrong try.

        Raises InvalidOtp for a wrong code and for a challenge that is used, expired
        or has run out of tries; a dead challenge never accepts even the right code. A
        sign-up's code is right only from the client that started that sign-up.
        """
        if not self.is_live(now):
            raise InvalidOtp()
        if self.signup is not None and not self.signup.started_by(flow_token):
            code_matches = False
        if not code_matches:
            self.attempts += 1
            raise InvalidOtp()
        self.consumed_at = now
