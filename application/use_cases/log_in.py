from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, IdGenerator, PasswordHasher, TokenService
from application.services.sign_in import SignedIn, open_session
from application.services.throttles import AuthThrottle
from domain.errors import InvalidCredentials
from domain.users import MobileNumber


@dataclass(frozen=True, slots=True, kw_only=True)
class LogInCommand:
    mobile_number: str
    password: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LogIn:
    """Sign in with a password. Unknown numbers, numbers without a password and wrong
    passwords all get the same error after the same amount of hashing work."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    passwords: PasswordHasher
    throttle: AuthThrottle
    tokens: TokenService

    async def execute(self, command: LogInCommand) -> SignedIn:
        mobile_number = MobileNumber.parse(command.mobile_number)
        await self.throttle.password_attempt(mobile_number)
        async with self.uow() as uow:
            user = await uow.users.get_by_mobile(mobile_number)
            if user is None or user.password_hash is None:
                self.passwords.burn_time()
                raise InvalidCredentials()
            if not self.passwords.verify(user.password_hash, command.password):
                raise InvalidCredentials()
            signed_in = await open_session(uow, tokens=self.tokens, ids=self.ids, user=user, now=self.clock.now())
            await uow.commit()
        await self.throttle.password_accepted(mobile_number)
        return signed_in
