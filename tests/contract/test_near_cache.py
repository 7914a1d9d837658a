"""The near caches (per-process copies of hot reads) with their invalidation feed: the
in-process feed and Redis pub/sub alike, and what only the Redis feed can show (another
process hears of a change; a process that cannot follow the feed keeps nothing)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from adapters.near_cache import NearChatroomCache, NearIdentityCache, NearStore
from adapters.redis.client import create_client
from adapters.redis.invalidations import CHANNEL, RedisInvalidationFeed
from domain.chat import Chatroom
from domain.sessions import AuthSession
from domain.users import MobileNumber, Tier, User
from entrypoints.container import Container
from tests.stack import Stack

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


async def _until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


async def following(adapters: Container) -> Container:
    """A container whose store follows its feed, as the API's does after start-up."""
    if adapters.settings().adapters == "real":
        adapters.invalidations().follow()
        await _until(lambda: adapters.near_store().trusted)
    return adapters


class CountingLoader:
    def __init__(self, value: object) -> None:
        self.value = value
        self.calls = 0

    async def __call__(self) -> object:
        self.calls += 1
        return self.value


def _rooms(owner: str, n: int) -> list[Chatroom]:
    return [Chatroom(f"r{i}", owner, f"room {i}", T0, T0 + timedelta(minutes=i), untitled=False) for i in range(n)]


async def test_first_pages_are_kept_per_size_until_the_owner_changes_them(adapters: Container) -> None:
    cache = (await following(adapters)).chatroom_cache()
    twenty, two, other = CountingLoader(_rooms("u1", 3)), CountingLoader(_rooms("u1", 2)), CountingLoader([])
    for _ in range(3):
        assert await cache.first_page("u1", 20, twenty) == _rooms("u1", 3)
        assert await cache.first_page("u1", 2, two) == _rooms("u1", 2)
        assert await cache.first_page("u2", 20, other) == []
    assert (twenty.calls, two.calls, other.calls) == (1, 1, 1)
    await cache.invalidate("u1")
    await cache.first_page("u1", 20, twenty)
    await cache.first_page("u1", 2, two)
    await cache.first_page("u2", 20, other)
    assert (twenty.calls, two.calls, other.calls) == (2, 2, 1)


async def test_sessions_and_profiles_are_kept_until_the_user_changes(adapters: Container) -> None:
    identities = (await following(adapters)).identity_cache()
    session = AuthSession("s1", "u1", "jti", T0, T0 + timedelta(days=30))
    user = User("u1", MobileNumber("+447700900123"), None, Tier.BASIC, None, T0)
    load_session, load_user = CountingLoader(session), CountingLoader(user)
    for _ in range(3):
        assert await identities.session("u1", "s1", load_session) is session
        assert await identities.user("u1", load_user) is user
    assert (load_session.calls, load_user.calls) == (1, 1)
    # Chatroom changes leave identities alone; identity changes drop sessions and profile.
    await adapters.chatroom_cache().invalidate("u1")
    await identities.session("u1", "s1", load_session)
    assert load_session.calls == 1
    await identities.invalidate("u1")
    await identities.session("u1", "s1", load_session)
    await identities.user("u1", load_user)
    assert (load_session.calls, load_user.calls) == (2, 2)


async def test_nothing_that_was_not_found_is_kept(adapters: Container) -> None:
    identities = (await following(adapters)).identity_cache()
    missing = CountingLoader(None)
    assert await identities.session("u1", "gone", missing) is None
    assert await identities.session("u1", "gone", missing) is None
    assert missing.calls == 2


async def test_a_load_that_overlaps_an_invalidation_is_not_kept(adapters: Container) -> None:
    """Read before the write, returned after it: keeping that would serve the old data
    until the TTL ran out."""
    cache = (await following(adapters)).chatroom_cache()
    reading = asyncio.Event()
    release = asyncio.Event()

    async def slow_stale_read() -> list[Chatroom]:
        reading.set()
        await release.wait()
        return _rooms("u1", 1)

    pending = asyncio.create_task(cache.first_page("u1", 20, slow_stale_read))
    await reading.wait()
    await cache.invalidate("u1")
    release.set()
    assert await pending == _rooms("u1", 1)
    fresh = CountingLoader(_rooms("u1", 2))
    assert await cache.first_page("u1", 20, fresh) == _rooms("u1", 2)
    assert fresh.calls == 1


async def test_copies_expire_after_the_ttl() -> None:
    now = [0.0]
    store = NearStore(ttl_seconds=30, monotonic=lambda: now[0])
    store.trust()
    loader = CountingLoader(["x"])
    key: Callable[[], Awaitable[object]] = loader
    await store.load_through("rooms", "u1", 20, key)
    now[0] = 29.9
    await store.load_through("rooms", "u1", 20, key)
    now[0] = 30.1
    await store.load_through("rooms", "u1", 20, key)
    assert loader.calls == 2


async def test_the_store_is_bounded_and_forgets_the_oldest_users_first() -> None:
    store = NearStore(ttl_seconds=30, max_users=2)
    store.trust()
    loaders = {u: CountingLoader([u]) for u in ("a", "b", "c")}
    for u in ("a", "b", "c", "c", "b"):
        await store.load_through("rooms", u, 20, loaders[u])
    await store.load_through("rooms", "a", 20, loaders["a"])
    assert {u: loader.calls for u, loader in loaders.items()} == {"a": 2, "b": 1, "c": 1}


def _process(stack: Stack) -> tuple[NearStore, RedisInvalidationFeed, NearChatroomCache, NearIdentityCache]:
    store = NearStore(ttl_seconds=30)
    feed = RedisInvalidationFeed(create_client(stack.redis_url, socket_timeout=2.0), store, reconnect_after=0.05)
    return store, feed, NearChatroomCache(store, feed), NearIdentityCache(store, feed)


async def test_another_process_drops_its_copy_when_told(stack: Stack) -> None:
    (store_a, feed_a, rooms_a, identities_a), (store_b, feed_b, rooms_b, _) = _process(stack), _process(stack)
    feed_a.follow()
    feed_b.follow()
    try:
        await _until(lambda: store_a.trusted and store_b.trusted)
        in_b = CountingLoader(_rooms("u1", 1))
        await rooms_b.first_page("u1", 20, in_b)
        await rooms_b.first_page("u1", 20, in_b)
        assert in_b.calls == 1
        await identities_a.invalidate("u1")  # another scope: B keeps its page
        await rooms_a.invalidate("u2")  # another user: likewise
        await asyncio.sleep(0.2)
        await rooms_b.first_page("u1", 20, in_b)
        assert in_b.calls == 1
        await rooms_a.invalidate("u1")

        async def b_reloads() -> bool:
            before = in_b.calls
            await rooms_b.first_page("u1", 20, in_b)
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
        await NearChatroomCache(store, feed).invalidate("u1")  # publishing fails quietly
    finally:
        await feed.stop()
        await nowhere.aclose()


async def test_a_malformed_message_on_the_channel_pauses_caching_rather_than_stopping_invalidations(
    stack: Stack,
) -> None:
    store, feed, rooms, _ = _process(stack)
    feed.follow()
    publisher = create_client(stack.redis_url, socket_timeout=2.0)
    try:
        await _until(lambda: store.trusted)
        await publisher.publish(CHANNEL, b"\xff\xfe not text")
        await _until(lambda: not store.trusted, seconds=2)  # dropped everything...
        await _until(lambda: store.trusted)  # ...and is following again
        loader = CountingLoader(_rooms("u1", 1))
        await rooms.first_page("u1", 20, loader)
        await rooms.invalidate("u1")
        await rooms.first_page("u1", 20, loader)
        assert loader.calls == 2
    finally:
        await feed.stop()
        await publisher.aclose()
