from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, PasswordHasher
from application.services.one_time_codes import OneTimeCodes
from application.services.throttles import AuthThrottle
from domain.errors import InvalidOtp
from domain.otp import OtpPurpose
from domain.passwords import check_password_strength
from domain.users import MobileNumber


@dataclass(frozen=True, slots=True, kw_only=True)
class ResetPasswordCommand:
    mobile_number: str
    otp: str
    new_password: str
    client: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ResetPassword:
    """Set a new password with a reset code; every session of the user ends. The code
    proves the number, so the account counts as verified from then on."""

    uow: UnitOfWorkFactory
    clock: Clock
    codes: OneTimeCodes
    throttle: AuthThrottle
    passwords: PasswordHasher

    async def execute(self, command: ResetPasswordCommand) -> None:
        mobile_number = MobileNumber.parse(command.mobile_number)
        # Checked before the code is spent, so a weak password does not burn it.
        check_password_strength(command.new_password, field="new_password")
        await self.throttle.code_check(mobile_number, OtpPurpose.RESET, command.client)
        password_hash = await self.passwords.hash(command.new_password)
        async with self.uow() as uow:
            spent = await self.codes.check(uow, mobile_number=mobile_number, purpose=OtpPurpose.RESET, code=command.otp)
            if spent is None:
                await uow.commit()  # the wrong try counts against the code
                raise InvalidOtp()
            user = await uow.users.get_by_mobile(mobile_number)
            if user is None:
                raise InvalidOtp()
            now = self.clock.now()
            user.prove_number(now)
            user.password_hash = password_hash
            await uow.users.update(user)
            await uow.sessions.revoke_all_for_user(user.id, now)
            await uow.commit()
        await self.throttle.succeeded(mobile_number)
