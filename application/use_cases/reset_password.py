from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, IdentityCache, OtpHasher, PasswordHasher, RateLimiter
from application.use_cases._otp import OtpPolicy, redeem_otp
from domain.errors import InvalidOtp
from domain.otp import OtpPurpose
from domain.passwords import check_password_strength
from domain.users import MobileNumber


@dataclass(frozen=True, slots=True, kw_only=True)
class ResetPasswordCommand:
    mobile_number: str
    otp: str
    new_password: str


class ResetPassword:
    """Set a new password with a reset code; every session of the user ends."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        otp_hasher: OtpHasher,
        passwords: PasswordHasher,
        limiter: RateLimiter,
        policy: OtpPolicy,
        identities: IdentityCache,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = otp_hasher
        self._passwords = passwords
        self._limiter = limiter
        self._policy = policy
        self._identities = identities

    async def execute(self, command: ResetPasswordCommand) -> None:
        mobile_number = MobileNumber.parse(command.mobile_number)
        # Checked before the code is spent, so a weak password does not burn it.
        check_password_strength(command.new_password, field="new_password")
        async with self._uow() as uow:
            await redeem_otp(
                uow,
                hasher=self._hasher,
                limiter=self._limiter,
                policy=self._policy,
                mobile_number=mobile_number,
                purpose=OtpPurpose.RESET,
                code=command.otp,
                clock=self._clock,
            )
            user = await uow.users.get_by_mobile(mobile_number)
            if user is None:
                raise InvalidOtp()
            user.password_hash = self._passwords.hash(command.new_password)
            await uow.users.update(user)
            await uow.sessions.revoke_all_for_user(user.id, self._clock.now())
            await uow.commit()
        await self._identities.invalidate(user.id)
