from __future__ import annotations

from application.use_cases._otp import OtpRequest, OtpRequestCommand
from domain.otp import OtpPurpose

SendOtpCommand = OtpRequestCommand


class SendOtp(OtpRequest):
    """Send a sign-in code. Signing in with a code also signs a new number up."""

    purpose = OtpPurpose.LOGIN
