from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, IdGenerator, TokenService
from application.services.one_time_codes import OneTimeCodes
from application.services.sign_in import SignedIn, SignInNotice, number_proven, open_session
from application.services.throttles import AuthThrottle
from domain.errors import InvalidOtp
from domain.otp import OtpPurpose
from domain.users import MobileNumber, User


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyOtpCommand:
    mobile_number: str
    otp: str
    client: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyOtp:
    """Sign in with the code sent to a number; a number we have not seen becomes a user.
    The first code sign-in of an account nobody had proven drops a password set on it
    before, ends the sessions that password opened, and says so."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    codes: OneTimeCodes
    throttle: AuthThrottle
    tokens: TokenService

    async def execute(self, command: VerifyOtpCommand) -> SignedIn:
        mobile_number = MobileNumber.parse(command.mobile_number)
        await self.throttle.code_check(mobile_number, OtpPurpose.LOGIN, command.client)
        async with self.uow() as uow:
            spent = await self.codes.check(uow, mobile_number=mobile_number, purpose=OtpPurpose.LOGIN, code=command.otp)
            if spent is None:
                await uow.commit()  # the wrong try counts against the code
                raise InvalidOtp()
            now = self.clock.now()
            user = await uow.users.get_by_mobile(mobile_number)
            notices: tuple[SignInNotice, ...] = ()
            if user is None:
                user = User.register(id=self.ids.new_id(), mobile_number=mobile_number, now=now)
                await uow.users.add(user)
            else:
                notices = await number_proven(uow, user, now)
            signed_in = await open_session(uow, tokens=self.tokens, ids=self.ids, user=user, now=now, notices=notices)
            await uow.commit()
        await self.throttle.succeeded(mobile_number)
        return signed_in
