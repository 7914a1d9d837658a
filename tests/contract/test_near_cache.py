"""Per-process copies of hot reads: the near store, its invalidation feed (in-process and
Redis pub/sub alike), and the unit of work that serves and invalidates them, so that
every write to a user's data is dropped in every process whoever wrote it."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dependency_injector import providers

from adapters.near_cache.store import NearStore
from adapters.redis.client import create_client
from adapters.redis.invalidations import CHANNEL, RedisInvalidationFeed
from application.ports.repositories import ChatroomRepository, SessionRepository, UserRepository
from domain.chat import Chatroom
from domain.sessions import AuthSession
from domain.users import MobileNumber, Tier, User
from entrypoints.container import Container, adapter_set
from entrypoints.resources import close_resources, follow_cache_invalidations
from tests.stack import Stack
from tests.support import MutableClock, make_container

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


async def _until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


class CountingLoader:
    def __init__(self, value: object) -> None:
        self.value = value
        self.calls = 0

    async def __call__(self) -> object:
        self.calls += 1
        return self.value


def _rooms(owner: str, n: int) -> list[Chatroom]:
    return [Chatroom(f"r{i}", owner, f"room {i}", T0, T0 + timedelta(minutes=i), untitled=False) for i in range(n)]


def _trusted_store(**kwargs: Any) -> NearStore:
    store = NearStore(ttl_seconds=30, **kwargs)
    store.trust()
    return store


# The store


async def test_copies_are_kept_per_owner_and_key_until_the_owner_is_dropped() -> None:
    store = _trusted_store()
    twenty, two, other = CountingLoader(_rooms("u1", 3)), CountingLoader(_rooms("u1", 2)), CountingLoader([])
    for _ in range(3):
        assert await store.load_through("rooms", "u1", 20, twenty) == _rooms("u1", 3)
        assert await store.load_through("rooms", "u1", 2, two) == _rooms("u1", 2)
        assert await store.load_through("rooms", "u2", 20, other) == []
    assert (twenty.calls, two.calls, other.calls) == (1, 1, 1)
    store.drop("identity", "u1")  # another scope: kept
    store.drop("rooms", "u1")
    for loader, owner, key in ((twenty, "u1", 20), (two, "u1", 2), (other, "u2", 20)):
        await store.load_through("rooms", owner, key, loader)
    assert (twenty.calls, two.calls, other.calls) == (2, 2, 1)


async def test_what_is_found_by_its_own_key_is_kept_under_its_owner() -> None:
    store = _trusted_store()
    session = AuthSession("s1", "u1", "jti", T0, T0 + timedelta(days=30))
    load = CountingLoader(session)
    for _ in range(3):
        assert await store.load_by_key("identity", "s1", load, owner_of=lambda s: s.user_id) is session
    assert load.calls == 1
    store.drop("identity", "u1")
    await store.load_by_key("identity", "s1", load, owner_of=lambda s: s.user_id)
    assert load.calls == 2
    refused = CountingLoader(replace(session, id="s2"))
    for _ in range(2):
        await store.load_by_key("identity", "s2", refused, owner_of=lambda s: s.user_id, keep_if=lambda s: False)
    assert refused.calls == 2


async def test_nothing_that_was_not_found_is_kept() -> None:
    store = _trusted_store()
    missing = CountingLoader(None)
    assert await store.load_through("identity", "u1", "user", missing) is None
    assert await store.load_through("identity", "u1", "user", missing) is None
    assert missing.calls == 2


async def test_a_load_that_overlaps_a_drop_is_not_kept() -> None:
    """Read before the write, returned after it: keeping that would serve the old data
    until the TTL ran out."""
    store = _trusted_store()
    reading, release = asyncio.Event(), asyncio.Event()

    async def slow_stale_read() -> list[Chatroom]:
        reading.set()
        await release.wait()
        return _rooms("u1", 1)

    pending = asyncio.create_task(store.load_through("rooms", "u1", 20, slow_stale_read))
    await reading.wait()
    store.drop("rooms", "u1")
    release.set()
    assert await pending == _rooms("u1", 1)
    fresh = CountingLoader(_rooms("u1", 2))
    assert await store.load_through("rooms", "u1", 20, fresh) == _rooms("u1", 2)
    assert fresh.calls == 1


async def test_copies_expire_after_the_ttl() -> None:
    now = [0.0]
    store = _trusted_store(monotonic=lambda: now[0])
    loader = CountingLoader(["x"])
    key: Callable[[], Awaitable[object]] = loader
    await store.load_through("rooms", "u1", 20, key)
    now[0] = 29.9
    await store.load_through("rooms", "u1", 20, key)
    now[0] = 30.1
    await store.load_through("rooms", "u1", 20, key)
    assert loader.calls == 2


async def test_the_store_is_bounded_and_forgets_the_oldest_owners_first() -> None:
    store = _trusted_store(max_owners=2)
    loaders = {u: CountingLoader([u]) for u in ("a", "b", "c")}
    for u in ("a", "b", "c", "c", "b"):
        await store.load_through("rooms", u, 20, loaders[u])
    await store.load_through("rooms", "a", 20, loaders["a"])
    assert {u: loader.calls for u, loader in loaders.items()} == {"a": 2, "b": 1, "c": 1}


async def test_an_untrusted_store_keeps_nothing() -> None:
    store = NearStore(ttl_seconds=30)
    loader = CountingLoader(["x"])
    for _ in range(3):
        await store.load_through("rooms", "u1", 20, loader)
    assert loader.calls == 3


# The Redis feed


def _redis_process(stack: Stack) -> tuple[NearStore, RedisInvalidationFeed]:
    store = NearStore(ttl_seconds=30)
    feed = RedisInvalidationFeed(create_client(stack.redis_url, socket_timeout=2.0), store, reconnect_after=0.05)
    return store, feed


async def test_another_process_drops_its_copy_when_told(stack: Stack) -> None:
    (store_a, feed_a), (store_b, feed_b) = _redis_process(stack), _redis_process(stack)
    feed_a.follow()
    feed_b.follow()
    try:
        await _until(lambda: store_a.trusted and store_b.trusted)
        in_b = CountingLoader(_rooms("u1", 1))
        await store_b.load_through("rooms", "u1", 20, in_b)
        await store_b.load_through("rooms", "u1", 20, in_b)
        assert in_b.calls == 1
        await feed_a.publish("identity", "u1")  # another scope: B keeps its page
        await feed_a.publish("rooms", "u2")  # another owner: likewise
        await asyncio.sleep(0.2)
        await store_b.load_through("rooms", "u1", 20, in_b)
        assert in_b.calls == 1
        await feed_a.publish("rooms", "u1")

        async def b_reloads() -> bool:
            before = in_b.calls
            await store_b.load_through("rooms", "u1", 20, in_b)
            return in_b.calls > before

        for _ in range(500):
            if await b_reloads():
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("process B kept its copy")
    finally:
        await feed_a.stop()
        await feed_b.stop()


async def test_a_process_that_cannot_follow_the_feed_keeps_nothing() -> None:
    store = NearStore(ttl_seconds=30)
    nowhere = create_client("redis://127.0.0.1:1/0", socket_timeout=0.2)
    feed = RedisInvalidationFeed(nowhere, store, reconnect_after=0.05)
    feed.follow()
    try:
        loader = CountingLoader(["x"])
        for _ in range(3):
            await store.load_through("rooms", "u1", 20, loader)
            await asyncio.sleep(0.1)
        assert loader.calls == 3 and not store.trusted
        await feed.publish("rooms", "u1")  # publishing fails quietly
    finally:
        await feed.stop()
        await nowhere.aclose()


async def test_a_malformed_message_on_the_channel_pauses_caching_rather_than_stopping_invalidations(
    stack: Stack,
) -> None:
    store, feed = _redis_process(stack)
    feed.follow()
    publisher = create_client(stack.redis_url, socket_timeout=2.0)
    try:
        await _until(lambda: store.trusted)
        await publisher.publish(CHANNEL, b"\xff\xfe not text")
        await _until(lambda: not store.trusted, seconds=2)  # dropped everything...
        await _until(lambda: store.trusted)  # ...and is following again
        loader = CountingLoader(_rooms("u1", 1))
        await store.load_through("rooms", "u1", 20, loader)
        await feed.publish("rooms", "u1")
        await _until(lambda: store._entries == {})
        await store.load_through("rooms", "u1", 20, loader)
        assert loader.calls == 2
    finally:
        await feed.stop()
        await publisher.aclose()


# The unit of work: every write to a user's data, seen by another process


@dataclass
class World:
    """Two API processes on one database and one feed: A writes, B reads."""

    a: Container
    b: Container
    user: User
    session: AuthSession
    room: Chatroom


@pytest.fixture
async def world(adapters: Container, clock: MutableClock) -> AsyncIterator[World]:
    a = adapters
    b = make_container(clock, a.settings())
    if a.settings().adapters == "memory":
        b_adapters = adapter_set(b)
        b_adapters.database.override(providers.Object(adapter_set(a).database()))
        b_adapters.invalidation_bus.override(providers.Object(adapter_set(a).invalidation_bus()))
    for process in (a, b):
        follow_cache_invalidations(process)
    await _until(lambda: a.services.near_store().trusted and b.services.near_store().trusted)
    user = User(a.services.ids().new_id(), MobileNumber("+447700900123"), "Ada", Tier.BASIC, None, T0, verified_at=T0)
    session = AuthSession(a.services.ids().new_id(), user.id, "jti-1", T0, T0 + timedelta(days=30))
    room = Chatroom.open(id=a.services.ids().new_id(), owner_id=user.id, title="Trip", now=T0)
    async with a.uow()() as uow:
        await uow.users.add(user)
        await uow.sessions.add(session)
        await uow.chatrooms.add(room)
        await uow.commit()
    yield World(a, b, user, session, room)
    if a.settings().adapters == "real":
        await close_resources(b)
    else:
        await b.adapters.invalidations().stop()


@dataclass(frozen=True)
class View:
    name: str | None
    tier: Tier | None
    # The session was revoked, or is gone (with its user).
    revoked: bool
    rooms: tuple[tuple[str, str, datetime], ...]
    extra_user: bool
    extra_session: bool


async def _view(process: Container, world: World) -> View:
    """What B's hot reads answer: profile, session, first page of chatrooms (cached), and
    the user and session a write may have added."""
    async with process.uow()() as uow:
        user = await uow.users.get(world.user.id)
        session = await uow.sessions.get(world.session.id)
        rooms = await uow.chatrooms.list_by_activity(world.user.id, limit=20, before=None)
        extra_user = await uow.users.get(EXTRA_USER) is not None
        extra_session = await uow.sessions.get(EXTRA_SESSION) is not None
    return View(
        user.name if user else None,
        user.tier if user else None,
        session is None or session.revoked_at is not None,
        tuple((r.id, r.title, r.updated_at) for r in rooms),
        extra_user,
        extra_session,
    )


EXTRA_USER = "01a20000-0000-7000-8000-000000000001"
EXTRA_SESSION = "01a20000-0000-7000-8000-000000000002"
EXTRA_ROOM = "01a20000-0000-7000-8000-000000000003"


async def _users_add(uow: Any, w: World) -> None:
    await uow.users.add(User(EXTRA_USER, MobileNumber("+447700900999"), None, Tier.BASIC, None, T0))


async def _users_update(uow: Any, w: World) -> None:
    await uow.users.update(replace(w.user, name="Grace", tier=Tier.PRO))


async def _sessions_add(uow: Any, w: World) -> None:
    await uow.sessions.add(AuthSession(EXTRA_SESSION, w.user.id, "jti-2", T0, T0 + timedelta(days=1)))


async def _sessions_update(uow: Any, w: World) -> None:
    session = replace(w.session)
    session.revoke(T0)
    await uow.sessions.update(session)


async def _sessions_revoke_all(uow: Any, w: World) -> None:
    await uow.sessions.revoke_all_for_user(w.user.id, T0)


async def _chatrooms_add(uow: Any, w: World) -> None:
    await uow.chatrooms.add(Chatroom.open(id=EXTRA_ROOM, owner_id=w.user.id, title="New", now=T0 + timedelta(hours=1)))


async def _chatrooms_update(uow: Any, w: World) -> None:
    room = replace(w.room)
    room.rename("Renamed", T0 + timedelta(hours=1))
    await uow.chatrooms.update(room)


async def _chatrooms_touch(uow: Any, w: World) -> None:
    await uow.chatrooms.touch(w.room, T0 + timedelta(hours=2))


async def _users_delete(uow: Any, w: World) -> None:
    await uow.users.delete(w.user)


async def _chatrooms_delete(uow: Any, w: World) -> None:
    await uow.chatrooms.delete(w.room)


# Every method that changes a user's profile, sessions or chatrooms, and what B must see.
WRITES: dict[tuple[str, str], Callable[[Any, World], Awaitable[None]]] = {
    ("users", "add"): _users_add,
    ("users", "update"): _users_update,
    ("users", "delete"): _users_delete,
    ("sessions", "add"): _sessions_add,
    ("sessions", "update"): _sessions_update,
    ("sessions", "revoke_all_for_user"): _sessions_revoke_all,
    ("chatrooms", "add"): _chatrooms_add,
    ("chatrooms", "update"): _chatrooms_update,
    ("chatrooms", "touch"): _chatrooms_touch,
    ("chatrooms", "delete"): _chatrooms_delete,
}


def test_every_write_to_cached_data_is_in_the_table() -> None:
    """A repository method added later that changes a user's data must be added here,
    where the test below proves another process hears of it."""
    writes = {
        (name, method)
        for name, port in (
            ("users", UserRepository),
            ("sessions", SessionRepository),
            ("chatrooms", ChatroomRepository),
        )
        for method, _ in inspect.getmembers(port, inspect.isfunction)
        if not method.startswith(("get", "list", "_"))
    }
    assert writes == set(WRITES)


@pytest.mark.parametrize("write", list(WRITES), ids=lambda w: ".".join(w))
async def test_a_write_through_one_process_is_seen_by_the_other_at_once(world: World, write: tuple[str, str]) -> None:
    before = await _view(world.b, world)
    assert await _view(world.b, world) == before  # now served from B's copies
    # A change that bypasses the caching unit of work is not seen: B really keeps copies.
    async with world.a.adapters.transactions()() as raw:
        await raw.users.update(replace(world.user, name="bypassed"))
        await raw.commit()
    assert (await _view(world.b, world)).name == "Ada"
    async with world.a.adapters.transactions()() as raw:
        await raw.users.update(world.user)
        await raw.commit()

    async with world.a.uow()() as uow:
        await WRITES[write](uow, world)
        await uow.commit()
    expected = await _view(world.a, world)  # A dropped its own copies at its commit
    assert expected != before, "the write changed nothing B could see"
    for _ in range(500):
        if await _view(world.b, world) == expected:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"process B still serves {await _view(world.b, world)} after {write}")


async def test_a_transaction_never_keeps_what_it_changed_before_committing(world: World) -> None:
    """Read after its own write, a transaction sees uncommitted data: kept, it would be
    served to everyone even if the transaction then rolled back."""
    async with world.b.uow()() as uow:
        await uow.users.update(replace(world.user, name="never committed"))
        assert (await uow.users.get(world.user.id)).name == "never committed"  # type: ignore[union-attr]
        rooms = [replace(world.room, title="never committed")]
        await uow.chatrooms.update(rooms[0])
        assert [r.title for r in await uow.chatrooms.list_by_activity(world.user.id, limit=20, before=None)] == [
            "never committed"
        ]
        await uow.sessions.revoke_all_for_user(world.user.id, T0)
        assert (await uow.sessions.get(world.session.id)).revoked_at == T0  # type: ignore[union-attr]
    view = await _view(world.b, world)
    assert view.name == "Ada" and view.rooms == ((world.room.id, "Trip", world.room.updated_at),)
    assert not view.revoked
