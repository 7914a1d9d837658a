from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, IdGenerator, OtpHasher, RateLimiter, TokenService
from application.use_cases._otp import OtpPolicy, redeem_otp
from application.use_cases._sign_in import SignedIn, open_session
from domain.otp import OtpPurpose
from domain.users import MobileNumber, Tier, User


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyOtpCommand:
    mobile_number: str
    otp: str


class VerifyOtp:
    """Sign in with the code sent to a number; a number we have not seen becomes a user."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        otp_hasher: OtpHasher,
        limiter: RateLimiter,
        policy: OtpPolicy,
        tokens: TokenService,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._hasher = otp_hasher
        self._limiter = limiter
        self._policy = policy
        self._tokens = tokens

    async def execute(self, command: VerifyOtpCommand) -> SignedIn:
        mobile_number = MobileNumber.parse(command.mobile_number)
        async with self._uow() as uow:
            await redeem_otp(
                uow,
                hasher=self._hasher,
                limiter=self._limiter,
                policy=self._policy,
                mobile_number=mobile_number,
                purpose=OtpPurpose.LOGIN,
                code=command.otp,
                clock=self._clock,
            )
            now = self._clock.now()
            user = await uow.users.get_by_mobile(mobile_number)
            if user is None:
                user = User(
                    id=self._ids.new_id(),
                    mobile_number=mobile_number,
                    name=None,
                    tier=Tier.BASIC,
                    password_hash=None,
                    created_at=now,
                )
                await uow.users.add(user)
            signed_in = await open_session(uow, tokens=self._tokens, ids=self._ids, user=user, now=now)
            await uow.commit()
        return signed_in
