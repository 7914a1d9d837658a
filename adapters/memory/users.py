"""Users."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.memory.tables import Table, Transaction
from domain.chat import Chatroom, Message
from domain.errors import Conflict
from domain.users import MobileNumber, User

# Whose each row is, table by table: what the database's foreign keys to users cascade.
_OWNER_OF: dict[str, Callable[[Any, Any], str]] = {
    "sessions": lambda key, row: row.user_id,
    "chatrooms": lambda key, row: row.owner_id,
    "shares": lambda key, row: row.owner_id,
    "gems": lambda key, row: row.owner_id,
    "uploads": lambda key, row: row.owner_id,
    "exports": lambda key, row: row.owner_id,
    "subscriptions": lambda key, row: row.user_id,
    "personal_instructions": lambda key, row: key,
    "billing_customers": lambda key, row: key,
    "model_usage": lambda key, row: key[0],
    "daily_usage": lambda key, row: key[0],
    "idempotency_keys": lambda key, row: key[0],
}


class InMemoryUserRepository:
    def __init__(self, uow: Transaction) -> None:
        self._uow = uow
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

    async def delete(self, user: User) -> None:
        self._rows.delete(user.id)
        chatrooms: Table[str, Chatroom] = Table(self._uow, "chatrooms")
        theirs = {room.id for room in chatrooms.rows() if room.owner_id == user.id}
        messages: Table[str, Message] = Table(self._uow, "messages")
        for message in [message for message in messages.rows() if message.chatroom_id in theirs]:
            messages.delete(message.id)
        for name, owner_of in _OWNER_OF.items():
            table: Table[Any, Any] = Table(self._uow, name)
            for key in [key for key in table.ids() if owner_of(key, table.get(key)) == user.id]:
                table.delete(key)
