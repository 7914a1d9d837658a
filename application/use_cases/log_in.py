from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, IdGenerator, PasswordHasher, RateLimiter, TokenService
from application.use_cases._otp import throttle
from application.use_cases._sign_in import SignedIn, open_session
from domain.errors import InvalidCredentials
from domain.users import MobileNumber


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginPolicy:
    attempts_per_number: int = 10
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True, kw_only=True)
class LogInCommand:
    mobile_number: str
    password: str


class LogIn:
    """Sign in with a password. Unknown numbers, numbers without a password and wrong
    passwords all get the same error after the same amount of hashing work."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        passwords: PasswordHasher,
        limiter: RateLimiter,
        policy: LoginPolicy,
        tokens: TokenService,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._passwords = passwords
        self._limiter = limiter
        self._policy = policy
        self._tokens = tokens

    async def execute(self, command: LogInCommand) -> SignedIn:
        mobile_number = MobileNumber.parse(command.mobile_number)
        throttle_key = f"login:{mobile_number}"
        await throttle(self._limiter, throttle_key, limit=self._policy.attempts_per_number, window=self._policy.window)
        async with self._uow() as uow:
            user = await uow.users.get_by_mobile(mobile_number)
            if user is None or user.password_hash is None:
                self._passwords.burn_time()
                raise InvalidCredentials()
            if not self._passwords.verify(user.password_hash, command.password):
                raise InvalidCredentials()
            signed_in = await open_session(uow, tokens=self._tokens, ids=self._ids, user=user, now=self._clock.now())
            await uow.commit()
        await self._limiter.clear(throttle_key)
        return signed_in
