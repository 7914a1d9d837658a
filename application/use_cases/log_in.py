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
    client: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LogIn:
    """Sign in with a password. Only an account whose number somebody proved with a code
    opens this way. Unknown numbers, unproven accounts, accounts without a password and
    wrong passwords all get the same error after the same amount of hashing work."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    passwords: PasswordHasher
    throttle: AuthThrottle
    tokens: TokenService

    async def execute(self, command: LogInCommand) -> SignedIn:
        mobile_number = MobileNumber.parse(command.mobile_number)
        await self.throttle.password_attempt(mobile_number, command.client)
        async with self.uow() as uow:
            user = await uow.users.get_by_mobile(mobile_number)
        if user is None or user.password_hash is None or not user.is_verified:
            await self.passwords.burn_time()
            raise InvalidCredentials()
        if not await self.passwords.verify(user.password_hash, command.password):
            raise InvalidCredentials()
        # The hashing ran outside any transaction, so no database connection waited on
        # it; the password must still be the one just checked (not reset meanwhile).
        async with self.uow() as uow:
            current = await uow.users.get(user.id, for_update=True)
            if current is None or current.password_hash != user.password_hash:
                raise InvalidCredentials()
            signed_in = await open_session(uow, tokens=self.tokens, ids=self.ids, user=current, now=self.clock.now())
            await uow.commit()
        await self.throttle.succeeded(mobile_number)
        return signed_in
