from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, IdGenerator, PasswordHasher
from domain.errors import Conflict
from domain.passwords import check_password_strength
from domain.users import MobileNumber, Tier, User, clean_name


@dataclass(frozen=True, slots=True, kw_only=True)
class SignUpCommand:
    mobile_number: str
    password: str | None = None
    name: str | None = None


class SignUp:
    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator, passwords: PasswordHasher) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._passwords = passwords

    async def execute(self, command: SignUpCommand) -> User:
        mobile_number = MobileNumber.parse(command.mobile_number)
        name = clean_name(command.name)
        password_hash = None
        if command.password is not None:
            check_password_strength(command.password)
            password_hash = self._passwords.hash(command.password)
        user = User(
            id=self._ids.new_id(),
            mobile_number=mobile_number,
            name=name,
            tier=Tier.BASIC,
            password_hash=password_hash,
            created_at=self._clock.now(),
        )
        async with self._uow() as uow:
            if await uow.users.get_by_mobile(mobile_number) is not None:
                raise Conflict("This mobile number is already registered. Sign in with a code instead.")
            await uow.users.add(user)
            await uow.commit()
        return user
