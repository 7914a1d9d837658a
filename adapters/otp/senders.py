from __future__ import annotations

import logging

from domain.otp import OtpPurpose
from domain.users import MobileNumber

log = logging.getLogger(__name__)


def _masked(number: MobileNumber) -> str:
    return number.value[:3] + "*" * (len(number.value) - 5) + number.value[-2:]


class ResponseOtpSender:
    """Development delivery: the code goes back in the API response. Refused in production."""

    async def send(self, *, mobile_number: MobileNumber, code: str, purpose: OtpPurpose, expires_in: int) -> str | None:
        return code


class LogOtpSender:
    """Stands in for an SMS gateway: the code is written to the log (at INFO, on a
    logger of its own, so an operator can route or drop it)."""

    async def send(self, *, mobile_number: MobileNumber, code: str, purpose: OtpPurpose, expires_in: int) -> str | None:
        log.info("OTP for %s (%s): %s, valid %ss", _masked(mobile_number), purpose, code, expires_in)
        return None
