from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, IdGenerator, PasswordHasher, TokenService
from application.services.one_time_codes import OneTimeCodes
from application.services.sign_in import SignedIn, open_session
from application.services.throttles import AuthThrottle
from application.use_cases.authenticate import Principal
from domain.errors import Conflict, InvalidCredentials, InvalidOtp, NotFound, ValidationError
from domain.otp import OtpPurpose
from domain.passwords import check_password_strength
from domain.users import User


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangePasswordCommand:
    principal: Principal
    new_password: str
    old_password: str | None = None
    # A confirmation code (SendConfirmationCode), needed to set a first password.
    otp: str | None = None
    client: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangePassword:
    """Set a new password. Changing one needs the old one; setting the first one needs a
    fresh code sent to the number, because an access token alone (perhaps a stolen one,
    for its 15 minutes) must not buy a password and a month of sessions. Every earlier
    session ends; the caller gets a fresh session so this device stays signed in."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    codes: OneTimeCodes
    throttle: AuthThrottle
    passwords: PasswordHasher
    tokens: TokenService

    async def execute(self, command: ChangePasswordCommand) -> SignedIn:
        check_password_strength(command.new_password, field="new_password")
        user = await self._user(command.principal.user_id)
        if user.password_hash is not None:
            await self._check_old_password(user, user.password_hash, command)
        elif command.otp is None:
            raise ValidationError.for_field(
                "otp", "is required to set a first password: ask for one with POST /auth/send-confirmation-code"
            )
        else:
            await self.throttle.code_check(user.mobile_number, OtpPurpose.CONFIRM, command.client)
        new_hash = await self.passwords.hash(command.new_password)
        async with self.uow() as uow:
            current = await uow.users.get(user.id, for_update=True)
            if current is None:
                raise NotFound("User not found.")
            if current.password_hash != user.password_hash:
                raise Conflict("The password was changed meanwhile. Try again.")
            now = self.clock.now()
            if current.password_hash is None:
                spent = await self.codes.check(
                    uow, mobile_number=current.mobile_number, purpose=OtpPurpose.CONFIRM, code=command.otp or ""
                )
                if spent is None:
                    await uow.commit()  # the wrong try counts against the code
                    raise InvalidOtp()
                current.prove_number(now)
            current.password_hash = new_hash
            await uow.users.update(current)
            await uow.sessions.revoke_all_for_user(current.id, now)
            signed_in = await open_session(uow, tokens=self.tokens, ids=self.ids, user=current, now=now)
            await uow.commit()
        await self.throttle.succeeded(user.mobile_number)
        return signed_in

    async def _user(self, user_id: str) -> User:
        async with self.uow() as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise NotFound("User not found.")
        return user

    async def _check_old_password(self, user: User, password_hash: str, command: ChangePasswordCommand) -> None:
        if command.old_password is None:
            raise ValidationError.for_field("old_password", "is required to change a password")
        await self.throttle.password_attempt(user.mobile_number, command.client)
        if not await self.passwords.verify(password_hash, command.old_password):
            raise InvalidCredentials("The old password is wrong.")
