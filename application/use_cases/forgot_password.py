from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.services.one_time_codes import CodeSent, OneTimeCodes
from application.services.throttles import AuthThrottle
from domain.otp import CodeNotice, OtpPurpose
from domain.users import MobileNumber


@dataclass(frozen=True, slots=True, kw_only=True)
class ForgotPasswordCommand:
    mobile_number: str
    client: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ForgotPassword:
    """Send a password-reset code. An unknown number gets the same answer (and a real,
    useless code), so neither the answer nor its timing tells who is registered; only
    the text message, read by whoever holds the phone, says there is no account."""

    uow: UnitOfWorkFactory
    codes: OneTimeCodes
    throttle: AuthThrottle

    async def execute(self, command: ForgotPasswordCommand) -> CodeSent:
        mobile_number = MobileNumber.parse(command.mobile_number)
        await self.throttle.code_request(mobile_number, OtpPurpose.RESET, command.client)
        async with self.uow() as uow:
            registered = await uow.users.get_by_mobile(mobile_number) is not None
            issued = await self.codes.issue(uow, mobile_number=mobile_number, purpose=OtpPurpose.RESET)
            await uow.commit()
        return await self.codes.deliver(issued, CodeNotice.RESET_PASSWORD if registered else CodeNotice.NO_ACCOUNT)
