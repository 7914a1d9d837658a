"""The worker's event loop writes the replies its jobs start, a bounded number at once."""

from __future__ import annotations

import asyncio

import pytest

from entrypoints.worker.generations import Generations


async def _begun(value: str | None) -> str | None:
    return value


async def test_a_started_reply_is_written_after_the_job_has_returned() -> None:
    generations = Generations(limit=10)
    release = asyncio.Event()
    written: list[str] = []

    async def write(reply: str) -> None:
        await release.wait()
        written.append(reply)

    assert await generations.start(lambda: _begun("r1"), write) is True
    assert len(generations) == 1 and written == []
    release.set()
    assert await generations.drain(seconds=1) == 0
    assert written == ["r1"] and len(generations) == 0


async def test_past_the_limit_a_job_waits_for_room_before_it_takes_a_lease() -> None:
    generations = Generations(limit=2)
    release = asyncio.Event()
    begun: list[str] = []

    async def begin(reply: str) -> str:
        begun.append(reply)
        return reply

    async def write(_: str) -> None:
        await release.wait()

    await generations.start(lambda: begin("r1"), write)
    await generations.start(lambda: begin("r2"), write)
    third = asyncio.ensure_future(generations.start(lambda: begin("r3"), write))
    await asyncio.sleep(0.05)
    assert begun == ["r1", "r2"] and not third.done()
    release.set()
    assert await asyncio.wait_for(third, 1) is True
    assert begun == ["r1", "r2", "r3"]
    await generations.drain(seconds=1)


async def test_nothing_to_start_or_a_start_that_fails_gives_its_room_back() -> None:
    generations = Generations(limit=1)

    async def never(_: str) -> None:
        raise AssertionError("nothing was started")

    async def broken() -> str:
        raise ConnectionError("database down")

    assert await generations.start(lambda: _begun(None), never) is False
    with pytest.raises(ConnectionError):
        await generations.start(broken, never)
    # Room is left for the next one: this would wait for ever otherwise.
    done = asyncio.Event()

    async def write(_: str) -> None:
        done.set()

    assert await asyncio.wait_for(generations.start(lambda: _begun("r1"), write), 1) is True
    await asyncio.wait_for(done.wait(), 1)


async def test_a_write_that_raises_is_logged_and_frees_its_room() -> None:
    generations = Generations(limit=1)

    async def failing(_: str) -> None:
        raise RuntimeError("boom")

    await generations.start(lambda: _begun("r1"), failing)
    assert await generations.drain(seconds=1) == 0

    async def fine(_: str) -> None:
        return None

    assert await asyncio.wait_for(generations.start(lambda: _begun("r2"), fine), 1) is True


async def test_draining_stops_waiting_at_its_limit_and_counts_what_is_left() -> None:
    generations = Generations(limit=5)
    forever = asyncio.Event()

    async def write(_: str) -> None:
        await forever.wait()

    await generations.start(lambda: _begun("r1"), write)
    await generations.start(lambda: _begun("r2"), write)
    assert await generations.drain(seconds=0.05) == 2
    forever.set()
    assert await generations.drain(seconds=1) == 0
