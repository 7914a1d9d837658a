"""Rate limiter and reply event stream: in-memory twin and Redis alike."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from application.ports.services import ReplyEvent, ReplyEventKind
from entrypoints.container import Container
from tests.support import MutableClock

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


async def test_rate_limiter_allows_the_limit_per_window_then_says_when(
    adapters: Container, clock: MutableClock
) -> None:
    limiter = adapters.adapters.limiter()
    window = timedelta(seconds=60)
    assert [await limiter.hit("k", limit=3, window=window) for _ in range(3)] == [None, None, None]
    clock.advance(seconds=20)
    wait = await limiter.hit("k", limit=3, window=window)
    assert wait is not None and 39 <= wait <= 41
    assert await limiter.hit("other", limit=3, window=window) is None
    clock.advance(seconds=41)
    assert await limiter.hit("k", limit=3, window=window) is None
    await limiter.clear("k")
    assert [await limiter.hit("k", limit=3, window=window) for _ in range(3)] == [None, None, None]


async def test_slots_are_limited_renewed_freed_and_expire_on_their_own(
    adapters: Container, clock: MutableClock
) -> None:
    limiter = adapters.adapters.limiter()
    ttl = timedelta(seconds=30)
    assert await limiter.occupy("streams:s1", "a", limit=2, ttl=ttl)
    assert await limiter.occupy("streams:s1", "b", limit=2, ttl=ttl)
    assert not await limiter.occupy("streams:s1", "c", limit=2, ttl=ttl)
    assert await limiter.occupy("streams:s1", "a", limit=2, ttl=ttl)  # a holder renews its own slot
    assert await limiter.occupy("streams:s2", "c", limit=2, ttl=ttl)  # another key, its own slots
    await limiter.vacate("streams:s1", "b")
    assert await limiter.occupy("streams:s1", "c", limit=2, ttl=ttl)
    # Slots nobody renews free themselves (a process that died holding them).
    clock.advance(seconds=20)
    assert await limiter.occupy("streams:s1", "a", limit=2, ttl=ttl)
    clock.advance(seconds=15)  # c expired, a was renewed 15 s ago
    assert await limiter.occupy("streams:s1", "d", limit=2, ttl=ttl)
    assert not await limiter.occupy("streams:s1", "e", limit=2, ttl=ttl)


async def _collect(stream, reply_id: str, until_final: bool = True, idle: float = 0.05) -> list:  # type: ignore[no-untyped-def]
    got = []
    async for event in stream.follow(reply_id, idle_timeout=idle):
        got.append(event)
        if event is not None and event.is_final and until_final:
            break
        if not until_final and len(got) >= 3:
            break
    return got


async def test_reply_events_replay_from_the_start_and_then_follow_live(adapters: Container) -> None:
    stream = adapters.adapters.reply_events()
    first = ReplyEvent(kind=ReplyEventKind.CHUNK, attempt=1, offset=5, text="Hello")
    await stream.publish("r1", first)
    reader = asyncio.create_task(_collect(stream, "r1"))
    await asyncio.sleep(0.1)
    second = ReplyEvent(kind=ReplyEventKind.CHUNK, attempt=1, offset=11, text=" world")
    done = ReplyEvent(kind=ReplyEventKind.DONE, attempt=1, offset=11)
    await stream.publish("r1", second)
    await stream.publish("r1", done)
    events = [e for e in await asyncio.wait_for(reader, 5) if e is not None]
    assert events == [first, second, done]
    # A late reader (a reconnect) gets everything again, in order.
    assert [e for e in await _collect(stream, "r1") if e is not None] == [first, second, done]


async def test_reply_events_say_when_nothing_happens(adapters: Container) -> None:
    stream = adapters.adapters.reply_events()
    failed = ReplyEvent(kind=ReplyEventKind.ERROR, attempt=2, offset=0, error="the model declined to answer")
    quiet = await _collect(stream, "silent", until_final=False)
    assert quiet[:3] == [None, None, None]
    await stream.publish("silent", failed)
    assert [e for e in await _collect(stream, "silent") if e is not None] == [failed]


async def test_a_stop_asked_for_reaches_whoever_watches_the_reply_then_or_later(adapters: Container) -> None:
    cancellations = adapters.adapters.cancellations()
    watching = asyncio.ensure_future(cancellations.wait("r1"))
    other = asyncio.ensure_future(cancellations.wait("r2"))
    await asyncio.sleep(0.3)
    assert not watching.done()
    await cancellations.request("r1")
    await asyncio.wait_for(watching, 2)
    # Asked before anyone watches (a worker that takes the reply over after a crash).
    await asyncio.wait_for(cancellations.wait("r1"), 2)
    await cancellations.request("r1")  # asking again is harmless
    await asyncio.wait_for(cancellations.wait("r1"), 2)
    assert not other.done()
    other.cancel()


async def test_over_redis_a_stop_is_heard_at_once_not_at_the_next_look(real_container: Container) -> None:
    from adapters.redis.cancellations import RedisReplyCancellations

    # Looking at the keys only once a minute: a stop must still arrive by the channel.
    watcher = RedisReplyCancellations(real_container.adapters.redis(), poll_seconds=60)
    asker = real_container.adapters.cancellations()
    watching = asyncio.ensure_future(watcher.wait("heard"))
    await asyncio.sleep(0.3)  # subscribed by now
    await asker.request("heard")
    await asyncio.wait_for(watching, 2)
    # And one asked before anyone watched is read from its key at once.
    await asker.request("before")
    await asyncio.wait_for(watcher.wait("before"), 2)


async def test_over_redis_a_reply_s_stream_expires_from_its_first_chunk_and_again_from_its_last_event(
    real_container: Container,
) -> None:
    from adapters.redis.reply_events import RedisReplyEventStream

    redis = real_container.adapters.redis()
    stream = RedisReplyEventStream(redis, retention_seconds=100)
    key = "reply:kept:events"
    await stream.publish("kept", ReplyEvent(kind=ReplyEventKind.CHUNK, attempt=1, offset=1, text="a"))
    assert 90 < await redis.ttl(key) <= 100
    await redis.expire(key, 50)  # time passes
    await stream.publish("kept", ReplyEvent(kind=ReplyEventKind.CHUNK, attempt=1, offset=2, text="b"))
    assert 40 < await redis.ttl(key) <= 50  # a chunk in between is only added
    await stream.publish("kept", ReplyEvent(kind=ReplyEventKind.DONE, attempt=1, offset=2))
    assert 90 < await redis.ttl(key) <= 100  # kept a whole retention after the last event
    assert await redis.xlen(key) == 3
    # The next attempt, or the same reply written again by another process, sets it anew.
    await redis.expire(key, 50)
    await stream.publish("kept", ReplyEvent(kind=ReplyEventKind.CHUNK, attempt=2, offset=1, text="c"))
    assert 90 < await redis.ttl(key) <= 100
