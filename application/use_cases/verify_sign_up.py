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
class VerifySignUpCommand:
    mobile_number: str
    otp: str
    signup_token: str
    client: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifySignUp:
    """Finish a sign-up with its code and token: the account is created, verified, with
    the password and name the sign-up gave, and signed in. If the number had an
    account meanwhile (or already), that account is signed in instead and its password
    is left as it is: a sign-up never changes an existing account's password."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    codes: OneTimeCodes
    throttle: AuthThrottle
    tokens: TokenService

    async def execute(self, command: VerifySignUpCommand) -> SignedIn:
        mobile_number = MobileNumber.parse(command.mobile_number)
        await self.throttle.code_check(mobile_number, OtpPurpose.SIGNUP, command.client)
        async with self.uow() as uow:
            spent = await self.codes.check(
                uow,
                mobile_number=mobile_number,
                purpose=OtpPurpose.SIGNUP,
                code=command.otp,
                flow_token=command.signup_token,
            )
            if spent is None or spent.signup is None:
                await uow.commit()  # the wrong try counts against the code
                raise InvalidOtp()
            now = self.clock.now()
            user = await uow.users.get_by_mobile(mobile_number)
            if user is None:
                user = User.register(
                    id=self.ids.new_id(),
                    mobile_number=mobile_number,
                    now=now,
                    name=spent.signup.name,
                    password_hash=spent.signup.password_hash,
                )
                await uow.users.add(user)
                notices: tuple[SignInNotice, ...] = ()
            else:
                notices = (SignInNotice.ACCOUNT_EXISTS, *await number_proven(uow, user, now))
            signed_in = await open_session(uow, tokens=self.tokens, ids=self.ids, user=user, now=now, notices=notices)
            await uow.commit()
        await self.throttle.succeeded(mobile_number)
        return signed_in
