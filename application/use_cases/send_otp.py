from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.services.one_time_codes import CodeSent, OneTimeCodes
from application.services.throttles import AuthThrottle
from domain.otp import CodeNotice, OtpPurpose
from domain.users import MobileNumber


@dataclass(frozen=True, slots=True, kw_only=True)
class SendOtpCommand:
    mobile_number: str
    # Who is asking (an IP address), for per-client throttling; None skips it.
    client: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SendOtp:
    """Send a sign-in code. Signing in with a code also signs a new number up."""

    uow: UnitOfWorkFactory
    codes: OneTimeCodes
    throttle: AuthThrottle

    async def execute(self, command: SendOtpCommand) -> CodeSent:
        mobile_number = MobileNumber.parse(command.mobile_number)
        await self.throttle.code_request(mobile_number, OtpPurpose.LOGIN, command.client)
        async with self.uow() as uow:
            issued = await self.codes.issue(uow, mobile_number=mobile_number, purpose=OtpPurpose.LOGIN)
            await uow.commit()
        return await self.codes.deliver(issued, CodeNotice.SIGN_IN)
