"""In-memory twins of the database ports, with the semantics of the real thing.

A unit of work holds a database-wide lock from enter to exit (so transactions are
serializable), reads see its own staged writes, and only ``commit()`` makes them
visible; leaving without committing throws them away. Objects are copied on the way in
and out, as rows would be, so a caller mutating an entity changes nothing until it
saves it.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from application.ports.repositories import Position
from domain.chat import Chatroom, Message, MessageStatus
from domain.errors import Conflict
from domain.otp import OtpChallenge, OtpPurpose
from domain.sessions import AuthSession
from domain.subscriptions import Subscription
from domain.users import MobileNumber, User

K = TypeVar("K")
V = TypeVar("V")
_DELETED: Any = object()


class InMemoryDatabase:
    def __init__(self) -> None:
        self.tables: dict[str, dict[Any, Any]] = {}
        self._lock: asyncio.Lock | None = None

    @property
    def lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    def table(self, name: str) -> dict[Any, Any]:
        return self.tables.setdefault(name, {})


class _Table(Generic[K, V]):
    """One table as seen from inside a unit of work."""

    def __init__(self, uow: InMemoryUnitOfWork, name: str) -> None:
        self._committed: dict[K, V] = uow.database.table(name)
        self._staged: dict[K, V] = uow.staged.setdefault(name, {})

    def get(self, key: K) -> V | None:
        value = self._staged.get(key, self._committed.get(key))
        return None if value is None or value is _DELETED else copy.copy(value)

    def put(self, key: K, value: V) -> None:
        self._staged[key] = copy.copy(value)

    def delete(self, key: K) -> None:
        self._staged[key] = _DELETED

    def ids(self) -> Iterator[K]:
        for key in self._committed.keys() | self._staged.keys():
            if self.get(key) is not None:
                yield key

    def rows(self) -> Iterator[V]:
        for key in self._committed.keys() | self._staged.keys():
            value = self.get(key)
            if value is not None:
                yield value

    def find(self, predicate: Callable[[V], bool]) -> V | None:
        return next((row for row in self.rows() if predicate(row)), None)


def _before(position: Position | None, at: datetime, item_id: str) -> bool:
    return position is None or (at, item_id) < (position.at, position.id)


class InMemoryUserRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._rows: _Table[str, User] = _Table(uow, "users")

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


class InMemoryOtpChallengeRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._rows: _Table[tuple[str, str], OtpChallenge] = _Table(uow, "otp_challenges")

    async def replace(self, challenge: OtpChallenge) -> None:
        self._rows.put((challenge.mobile_number.value, challenge.purpose), challenge)

    async def get(self, mobile_number: MobileNumber, purpose: OtpPurpose) -> OtpChallenge | None:
        return self._rows.get((mobile_number.value, purpose))

    async def update(self, challenge: OtpChallenge) -> None:
        current = self._rows.get((challenge.mobile_number.value, challenge.purpose))
        # A newer challenge replaced this one meanwhile: the old one stays void.
        if current is not None and current.id == challenge.id:
            self._rows.put((challenge.mobile_number.value, challenge.purpose), challenge)


class InMemorySessionRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._rows: _Table[str, AuthSession] = _Table(uow, "sessions")

    async def add(self, session: AuthSession) -> None:
        self._rows.put(session.id, session)

    async def get(self, session_id: str, *, for_update: bool = False) -> AuthSession | None:
        # Units of work are serialized here, so every read is already "for update".
        return self._rows.get(session_id)

    async def update(self, session: AuthSession) -> None:
        self._rows.put(session.id, session)

    async def revoke_all_for_user(self, user_id: str, now: datetime) -> None:
        for session in list(self._rows.rows()):
            if session.user_id == user_id and session.revoked_at is None:
                session.revoke(now)
                self._rows.put(session.id, session)


class InMemoryChatroomRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._rows: _Table[str, Chatroom] = _Table(uow, "chatrooms")
        self._messages: _Table[str, Message] = _Table(uow, "messages")

    async def add(self, chatroom: Chatroom) -> None:
        self._rows.put(chatroom.id, chatroom)

    async def get(self, chatroom_id: str) -> Chatroom | None:
        return self._rows.get(chatroom_id)

    async def get_owned(self, chatroom_id: str, owner_id: str) -> Chatroom | None:
        chatroom = self._rows.get(chatroom_id)
        return chatroom if chatroom is not None and chatroom.owner_id == owner_id else None

    async def list_by_activity(self, owner_id: str, *, limit: int, before: Position | None) -> Sequence[Chatroom]:
        rows = [
            room
            for room in self._rows.rows()
            if room.owner_id == owner_id and _before(before, room.updated_at, room.id)
        ]
        rows.sort(key=lambda room: (room.updated_at, room.id), reverse=True)
        return rows[:limit]

    async def update(self, chatroom: Chatroom) -> None:
        if self._rows.get(chatroom.id) is not None:
            self._rows.put(chatroom.id, chatroom)

    async def touch(self, chatroom_id: str, at: datetime) -> None:
        chatroom = self._rows.get(chatroom_id)
        if chatroom is not None:
            chatroom.touch(at)
            self._rows.put(chatroom_id, chatroom)

    async def delete(self, chatroom_id: str) -> None:
        self._rows.delete(chatroom_id)
        for message in list(self._messages.rows()):
            if message.chatroom_id == chatroom_id:
                self._messages.delete(message.id)


class InMemoryMessageRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._rows: _Table[str, Message] = _Table(uow, "messages")
        self._chatrooms: _Table[str, Chatroom] = _Table(uow, "chatrooms")

    async def add(self, message: Message) -> None:
        self._rows.put(message.id, message)

    async def get(self, message_id: str) -> Message | None:
        return self._rows.get(message_id)

    async def get_in_chatroom(self, chatroom_id: str, message_id: str) -> Message | None:
        message = self._rows.get(message_id)
        return message if message is not None and message.chatroom_id == chatroom_id else None

    async def list_latest(self, chatroom_id: str, *, limit: int, before: Position | None) -> Sequence[Message]:
        rows = [
            message
            for message in self._rows.rows()
            if message.chatroom_id == chatroom_id and _before(before, message.created_at, message.id)
        ]
        rows.sort(key=lambda message: (message.created_at, message.id), reverse=True)
        return rows[:limit]

    async def update(self, message: Message) -> None:
        if self._rows.get(message.id) is not None:
            self._rows.put(message.id, message)

    async def list_failed_since(self, since: datetime, *, limit: int) -> Sequence[str]:
        failed = [m for m in self._rows.rows() if m.status is MessageStatus.FAILED and m.created_at >= since]
        failed.sort(key=lambda message: (message.created_at, message.id))
        return [message.id for message in failed[:limit]]

    async def count_unfinished_replies(self, owner_id: str) -> int:
        owned = {room.id for room in self._chatrooms.rows() if room.owner_id == owner_id}
        return sum(
            1
            for message in self._rows.rows()
            if message.chatroom_id in owned and message.status in (MessageStatus.PENDING, MessageStatus.STREAMING)
        )

    async def list_stalled(self, *, pending_before: datetime, now: datetime, limit: int) -> Sequence[str]:
        stalled = [
            message
            for message in self._rows.rows()
            if (message.status is MessageStatus.PENDING and message.created_at < pending_before)
            or (message.status is MessageStatus.STREAMING and not message.is_leased(now))
        ]
        stalled.sort(key=lambda message: (message.created_at, message.id))
        return [message.id for message in stalled[:limit]]


class InMemoryIdempotencyRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._rows: _Table[tuple[str, str], str] = _Table(uow, "idempotency_keys")

    async def get(self, owner_id: str, key: str) -> str | None:
        return self._rows.get((owner_id, key))

    async def add(self, owner_id: str, key: str, reply_id: str) -> None:
        if self._rows.get((owner_id, key)) is not None:
            raise Conflict("This Idempotency-Key was already used.")
        self._rows.put((owner_id, key), reply_id)


class InMemoryCustomerRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._rows: _Table[str, str] = _Table(uow, "billing_customers")

    async def customer_of(self, user_id: str) -> str | None:
        return self._rows.get(user_id)

    async def user_of(self, customer_id: str) -> str | None:
        return next((user_id for user_id in self._rows.ids() if self._rows.get(user_id) == customer_id), None)

    async def link(self, user_id: str, customer_id: str) -> None:
        if self._rows.get(user_id) is not None or await self.user_of(customer_id) is not None:
            raise Conflict("This user or customer is already linked.")
        self._rows.put(user_id, customer_id)


class InMemorySubscriptionRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._rows: _Table[str, Subscription] = _Table(uow, "subscriptions")

    async def get(self, subscription_id: str) -> Subscription | None:
        return self._rows.get(subscription_id)

    async def list_for_user(self, user_id: str) -> Sequence[Subscription]:
        found = [s for s in self._rows.rows() if s.user_id == user_id]
        return sorted(found, key=lambda s: s.subscription_id)

    async def save(self, subscription: Subscription) -> None:
        self._rows.put(subscription.subscription_id, subscription)


class InMemoryProcessedEventRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._rows: _Table[str, tuple[str, datetime]] = _Table(uow, "processed_events")

    async def add(self, event_id: str, event_type: str, processed_at: datetime) -> bool:
        if self._rows.get(event_id) is not None:
            return False
        self._rows.put(event_id, (event_type, processed_at))
        return True


class InMemoryQuotaCounter:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._rows: _Table[tuple[str, date], int] = _Table(uow, "daily_usage")

    async def try_consume(self, user_id: str, day: date, limit: int) -> int | None:
        used = await self.count(user_id, day)
        if used >= limit:
            return None
        self._rows.put((user_id, day), used + 1)
        return used + 1

    async def consume(self, user_id: str, day: date) -> int:
        used = await self.count(user_id, day) + 1
        self._rows.put((user_id, day), used)
        return used

    async def count(self, user_id: str, day: date) -> int:
        return self._rows.get((user_id, day)) or 0

    async def give_back(self, user_id: str, day: date) -> None:
        used = await self.count(user_id, day)
        if used > 0:
            self._rows.put((user_id, day), used - 1)

    async def reset(self, user_id: str, day: date) -> None:
        self._rows.delete((user_id, day))


class InMemoryUnitOfWork:
    def __init__(self, database: InMemoryDatabase) -> None:
        self.database = database
        self.staged: dict[str, dict[Any, Any]] = {}
        self.users = InMemoryUserRepository(self)
        self.otps = InMemoryOtpChallengeRepository(self)
        self.sessions = InMemorySessionRepository(self)
        self.chatrooms = InMemoryChatroomRepository(self)
        self.messages = InMemoryMessageRepository(self)
        self.idempotency = InMemoryIdempotencyRepository(self)
        self.customers = InMemoryCustomerRepository(self)
        self.subscriptions = InMemorySubscriptionRepository(self)
        self.processed_events = InMemoryProcessedEventRepository(self)
        self.quota = InMemoryQuotaCounter(self)

    async def __aenter__(self) -> Self:
        await self.database.lock.acquire()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._discard()
        self.database.lock.release()

    async def commit(self) -> None:
        for name, rows in self.staged.items():
            table = self.database.table(name)
            for key, value in rows.items():
                if value is _DELETED:
                    table.pop(key, None)
                else:
                    table[key] = value
        self._discard()

    def _discard(self) -> None:
        for rows in self.staged.values():
            rows.clear()


class InMemoryUnitOfWorkFactory:
    def __init__(self, database: InMemoryDatabase) -> None:
        self._database = database

    def __call__(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self._database)
