from __future__ import annotations

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


def new_otp_code() -> str:
    return f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"


def looks_like_otp(code: str) -> bool:
    return len(code) == OTP_DIGITS and code.isascii() and code.isdigit()


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
    ) -> OtpChallenge:
        return cls(
            id=id,
            mobile_number=mobile_number,
            purpose=purpose,
            code_hash=code_hash,
            created_at=now,
            expires_at=now + ttl,
        )

    def is_live(self, now: datetime) -> bool:
        return self.consumed_at is None and now < self.expires_at and self.attempts < MAX_VERIFY_ATTEMPTS

    def redeem(self, *, code_matches: bool, now: datetime) -> None:
        """Spend the challenge on a correct code, or count a wrong try.

        Raises InvalidOtp for a wrong code and for a challenge that is used, expired
        or has run out of tries; a dead challenge never accepts even the right code.
        """
        if not self.is_live(now):
            raise InvalidOtp()
        if not code_matches:
            self.attempts += 1
            raise InvalidOtp()
        self.consumed_at = now
