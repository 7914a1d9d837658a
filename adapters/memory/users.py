"""Users."""

from __future__ import annotations

from adapters.memory.tables import Table, Transaction
from domain.errors import Conflict
from domain.users import MobileNumber, User


class InMemoryUserRepository:
    def __init__(self, uow: Transaction) -> None:
        self._rows: Table[str, User] = Table(uow, "users")

    async def add(self, user: User) -> None:
        if self._rows.get(user.id) is not None or await self.get_by_mobile(user.mobile_number) is not None:
            raise Conflict("This mobile number is already registered.")
        self._rows.put(user.id, user)

    async def get(self, user_id: str, *, for_update: bool = False) -> User | None:
        # Units of work are serialized here, so every read is already "for update".
        return self._rows.get(user_id)

    async def get_by_mobile(self, mobile_number: MobileNumber) -> User | None:
        return self._rows.find(lambda user: user.mobile_number == mobile_number)

    async def update(self, user: User) -> None:
        self._rows.put(user.id, user)
