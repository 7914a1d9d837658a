from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.services.one_time_codes import CodeSent, OneTimeCodes
from application.services.throttles import AuthThrottle
from application.use_cases.authenticate import Principal
from domain.errors import NotFound
from domain.otp import CodeNotice, OtpPurpose


@dataclass(frozen=True, slots=True, kw_only=True)
class SendConfirmationCodeCommand:
    principal: Principal
    client: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SendConfirmationCode:
    """Send the signed-in user a code to their own number, for changes that need fresh
    proof of holding it, not just a token (setting a first password)."""

    uow: UnitOfWorkFactory
    codes: OneTimeCodes
    throttle: AuthThrottle

    async def execute(self, command: SendConfirmationCodeCommand) -> CodeSent:
        async with self.uow() as uow:
            user = await uow.users.get(command.principal.user_id)
        if user is None:
            raise NotFound("User not found.")
        await self.throttle.code_request(user.mobile_number, OtpPurpose.CONFIRM, command.client)
        async with self.uow() as uow:
            issued = await self.codes.issue(uow, mobile_number=user.mobile_number, purpose=OtpPurpose.CONFIRM)
            await uow.commit()
        return await self.codes.deliver(issued, CodeNotice.CONFIRM)
