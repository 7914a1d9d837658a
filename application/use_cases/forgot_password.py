from __future__ import annotations

from application.use_cases._otp import OtpRequest, OtpRequestCommand
from domain.otp import OtpPurpose

ForgotPasswordCommand = OtpRequestCommand


class ForgotPassword(OtpRequest):
    """Send a password-reset code. An unknown number gets the same answer and a real
    (useless) code, so neither the answer nor its timing tells who is registered."""

    purpose = OtpPurpose.RESET
