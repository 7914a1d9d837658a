"""A unit of work that serves the hot reads from this process's near store and, after
it commits, drops and announces every owner whose data it changed.

Writers cannot forget to invalidate: every write to users, sessions and chatrooms goes
through the repositories here, which record whose data changed (cosmicpython's
``seen``). A transaction never serves, or keeps, a copy of an owner it has changed
itself: what it reads of them may not be committed yet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cached_property
from types import TracebackType
from typing import Any, Self

from adapters.near_cache.store import NearStore
from application.ports.caching import InvalidationFeed
from application.ports.repositories import (
    ChatroomRepository,
    Position,
    RoomAndOwner,
    SessionRepository,
    UnitOfWork,
    UnitOfWorkFactory,
    UserRepository,
)
from domain.chat import Chatroom
from domain.sessions import AuthSession
from domain.users import MobileNumber, User

# A user's profile and sessions.
IDENTITY = "identity"
# The first pages of a user's chatroom list.
CHATROOMS = "rooms"


class Changes:
    """Whose data one transaction changed, scope by scope."""

    def __init__(self) -> None:
        self.owners: set[tuple[str, str]] = set()

    def record(self, scope: str, owner_id: str) -> None:
        self.owners.add((scope, owner_id))

    def made_to(self, scope: str, owner_id: str) -> bool:
        return (scope, owner_id) in self.owners


class CachingUserRepository:
    def __init__(self, inner: UserRepository, store: NearStore, changes: Changes) -> None:
        self._inner = inner
        self._store = store
        self._changes = changes

    async def add(self, user: User) -> None:
        self._changes.record(IDENTITY, user.id)
        await self._inner.add(user)

    async def get(self, user_id: str, *, for_update: bool = False) -> User | None:
        if for_update or self._changes.made_to(IDENTITY, user_id):
            return await self._inner.get(user_id, for_update=for_update)
        return await self._store.load_through(IDENTITY, user_id, "user", lambda: self._inner.get(user_id))

    async def get_by_mobile(self, mobile_number: MobileNumber) -> User | None:
        return await self._inner.get_by_mobile(mobile_number)

    async def update(self, user: User) -> None:
        self._changes.record(IDENTITY, user.id)
        await self._inner.update(user)

    async def delete(self, user: User) -> None:
        self._changes.record(IDENTITY, user.id)
        self._changes.record(CHATROOMS, user.id)
        await self._inner.delete(user)


class CachingSessionRepository:
    def __init__(self, inner: SessionRepository, store: NearStore, changes: Changes) -> None:
        self._inner = inner
        self._store = store
        self._changes = changes

    async def add(self, session: AuthSession) -> None:
        self._changes.record(IDENTITY, session.user_id)
        await self._inner.add(session)

    async def get(self, session_id: str, *, for_update: bool = False) -> AuthSession | None:
        if for_update:
            return await self._inner.get(session_id, for_update=True)
        session = await self._store.load_by_key(
            IDENTITY,
            ("session", session_id),
            lambda: self._inner.get(session_id),
            owner_of=lambda found: found.user_id,
            keep_if=lambda found: not self._changes.made_to(IDENTITY, found.user_id),
        )
        if session is not None and self._changes.made_to(IDENTITY, session.user_id):
            return await self._inner.get(session_id)
        return session

    async def update(self, session: AuthSession) -> None:
        self._changes.record(IDENTITY, session.user_id)
        await self._inner.update(session)

    async def revoke_all_for_user(self, user_id: str, now: datetime) -> None:
        self._changes.record(IDENTITY, user_id)
        await self._inner.revoke_all_for_user(user_id, now)


class CachingChatroomRepository:
    def __init__(self, inner: ChatroomRepository, store: NearStore, changes: Changes) -> None:
        self._inner = inner
        self._store = store
        self._changes = changes

    async def add(self, chatroom: Chatroom) -> None:
        self._changes.record(CHATROOMS, chatroom.owner_id)
        await self._inner.add(chatroom)

    async def get(self, chatroom_id: str, *, for_update: bool = False) -> Chatroom | None:
        return await self._inner.get(chatroom_id, for_update=for_update)

    async def get_owned(self, chatroom_id: str, owner_id: str, *, for_update: bool = False) -> Chatroom | None:
        return await self._inner.get_owned(chatroom_id, owner_id, for_update=for_update)

    async def get_with_owner(self, chatroom_id: str) -> RoomAndOwner | None:
        return await self._inner.get_with_owner(chatroom_id)

    async def list_by_activity(
        self, owner_id: str, *, limit: int, before: Position | None, archived: bool = False
    ) -> Sequence[Chatroom]:
        # Only the first page of the list people see nearly every time is kept.
        if before is not None or archived or self._changes.made_to(CHATROOMS, owner_id):
            return await self._inner.list_by_activity(owner_id, limit=limit, before=before, archived=archived)

        async def first_page() -> list[Chatroom]:
            return list(await self._inner.list_by_activity(owner_id, limit=limit, before=None))

        return await self._store.load_through(CHATROOMS, owner_id, limit, first_page)

    async def list_expired_temporary(self, *, inactive_since: datetime, limit: int) -> Sequence[Chatroom]:
        return await self._inner.list_expired_temporary(inactive_since=inactive_since, limit=limit)

    async def list_all_of(self, owner_id: str) -> Sequence[Chatroom]:
        return await self._inner.list_all_of(owner_id)

    async def update(self, chatroom: Chatroom) -> None:
        self._changes.record(CHATROOMS, chatroom.owner_id)
        await self._inner.update(chatroom)

    async def touch(self, chatroom: Chatroom, at: datetime, *, active_leaf_id: str | None = None) -> None:
        self._changes.record(CHATROOMS, chatroom.owner_id)
        await self._inner.touch(chatroom, at, active_leaf_id=active_leaf_id)

    async def delete(self, chatroom: Chatroom) -> None:
        self._changes.record(CHATROOMS, chatroom.owner_id)
        await self._inner.delete(chatroom)


def _passed_through(name: str) -> Any:
    """The inner unit of work's repository, taken on first use."""
    return cached_property(lambda uow: getattr(uow._inner, name))


class CachingUnitOfWork:
    # Nothing of these is kept, so their writes change no copy.
    otps = _passed_through("otps")
    messages = _passed_through("messages")
    instructions = _passed_through("instructions")
    gems = _passed_through("gems")
    uploads = _passed_through("uploads")
    search = _passed_through("search")
    shares = _passed_through("shares")
    exports = _passed_through("exports")
    idempotency = _passed_through("idempotency")
    customers = _passed_through("customers")
    subscriptions = _passed_through("subscriptions")
    processed_events = _passed_through("processed_events")
    quota = _passed_through("quota")
    model_usage = _passed_through("model_usage")

    def __init__(self, inner: UnitOfWork, store: NearStore, feed: InvalidationFeed) -> None:
        self._inner = inner
        self._store = store
        self._feed = feed
        self._changes = Changes()

    @cached_property
    def users(self) -> CachingUserRepository:
        return CachingUserRepository(self._inner.users, self._store, self._changes)

    @cached_property
    def sessions(self) -> CachingSessionRepository:
        return CachingSessionRepository(self._inner.sessions, self._store, self._changes)

    @cached_property
    def chatrooms(self) -> CachingChatroomRepository:
        return CachingChatroomRepository(self._inner.chatrooms, self._store, self._changes)

    async def __aenter__(self) -> Self:
        await self._inner.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._changes.owners.clear()  # not committed: nothing changed
        await self._inner.__aexit__(exc_type, exc, tb)

    async def commit(self) -> None:
        await self._inner.commit()
        changed, self._changes.owners = self._changes.owners, set()
        for scope, owner_id in changed:
            self._store.drop(scope, owner_id)
        for scope, owner_id in changed:
            await self._feed.publish(scope, owner_id)


class CachingUnitOfWorkFactory:
    def __init__(self, inner: UnitOfWorkFactory, store: NearStore, feed: InvalidationFeed) -> None:
        self._inner = inner
        self._store = store
        self._feed = feed

    def __call__(self) -> CachingUnitOfWork:
        return CachingUnitOfWork(self._inner(), self._store, self._feed)
