from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import PasswordHasher
from application.services.one_time_codes import CodeSent, OneTimeCodes
from application.services.throttles import AuthThrottle
from domain.otp import CodeNotice, OtpPurpose, SignUpDetails, flow_hash, new_flow_token
from domain.passwords import check_password_strength
from domain.users import MobileNumber, clean_name


@dataclass(frozen=True, slots=True, kw_only=True)
class SignUpCommand:
    mobile_number: str
    password: str | None = None
    name: str | None = None
    client: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SignUpStarted:
    sent: CodeSent
    # Handed only to this client; VerifySignUp needs it with the code.
    signup_token: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SignUp:
    """Start a sign-up: send a code to the number. Nothing is created yet, and the
    password given here stays inert, held with the code and bound to this sign-up's
    token, until the code is entered together with that token (VerifySignUp): a
    password only ever opens an account whose number was proven by whoever set it.

    Every number gets the same answer; the text message tells the holder of a
    registered number that it already has an account."""

    uow: UnitOfWorkFactory
    codes: OneTimeCodes
    throttle: AuthThrottle
    passwords: PasswordHasher

    async def execute(self, command: SignUpCommand) -> SignUpStarted:
        mobile_number = MobileNumber.parse(command.mobile_number)
        name = clean_name(command.name)
        if command.password is not None:
            check_password_strength(command.password)
        await self.throttle.sign_up(mobile_number, command.client)
        password_hash = await self.passwords.hash(command.password) if command.password is not None else None
        token = new_flow_token()
        details = SignUpDetails(flow_hash=flow_hash(token), password_hash=password_hash, name=name)
        async with self.uow() as uow:
            registered = await uow.users.get_by_mobile(mobile_number) is not None
            issued = await self.codes.issue(uow, mobile_number=mobile_number, purpose=OtpPurpose.SIGNUP, signup=details)
            await uow.commit()
        notice = CodeNotice.ALREADY_REGISTERED if registered else CodeNotice.SIGN_UP
        return SignUpStarted(sent=await self.codes.deliver(issued, notice), signup_token=token)
