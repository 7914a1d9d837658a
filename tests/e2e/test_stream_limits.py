"""Reply streams a client opens and abandons, against the API as it runs (uvicorn and
Redis): each is bounded per session, cleaned up when the client goes, and ended when
its session ends. No worker runs here, so replies stay pending and streams stay open."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from redis import Redis

from tests.e2e.conftest import Client, Service, running_service
from tests.stack import Stack


@pytest.fixture
def api_only(stack: Stack, tmp_path: Path) -> Iterator[Service]:
    # A long heartbeat, so a stream left behind would sit in XREAD for a long time.
    with running_service(
        stack, tmp_path, worker=False, MAX_STREAMS_PER_SESSION="2", SSE_HEARTBEAT_SECONDS="10"
    ) as service:
        yield service


def _pending_reply(client: Client) -> str:
    room = client.http.post("/chatroom", json={}).json()["id"]
    reply = client.http.post(f"/chatroom/{room}/message", json={"content": "hold on"}).json()["reply"]["id"]
    return f"/chatroom/{room}/messages/{reply}/stream"


def _blocked_readers(stack: Stack) -> int:
    redis = Redis.from_url(stack.redis_url)
    try:
        return sum(1 for client in redis.client_list() if client.get("cmd") == "xread")
    finally:
        redis.close()


@contextlib.asynccontextmanager
async def _open_stream(url: str, path: str, token: str) -> AsyncIterator[httpx.Response]:
    async with (
        httpx.AsyncClient(base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as http,
        http.stream("GET", path) as response,
    ):
        yield response


def _wait_until(condition: object, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():  # type: ignore[operator]
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_a_session_holds_a_few_streams_and_an_abandoned_one_is_cleaned_up_at_once(
    api_only: Service, stack: Stack
) -> None:
    client = Client(api_only.url)
    token = client.http.headers["Authorization"].removeprefix("Bearer ")
    path = _pending_reply(client)

    async def scenario() -> None:
        async with _open_stream(api_only.url, path, token) as first, _open_stream(api_only.url, path, token) as second:
            assert first.status_code == second.status_code == 200
            third = client.http.get(path)
            assert third.status_code == 429 and third.json()["error"]["code"] == "TOO_MANY_REQUESTS"
            assert int(third.headers["retry-after"]) > 0
            # The same person on another device has streams of their own.
            other_device = Client(api_only.url)
            assert other_device.http.get("/user/me").status_code == 200
            await asyncio.sleep(0.3)
            assert _blocked_readers(stack) == 2

    asyncio.run(scenario())
    # Both clients went away: their Redis reads end now, not at the 10 s heartbeat, and
    # their slots are free for the next streams at once.
    assert _wait_until(lambda: _blocked_readers(stack) == 0, timeout=3) < 3

    async def again() -> None:
        async with _open_stream(api_only.url, path, token) as first, _open_stream(api_only.url, path, token) as second:
            assert first.status_code == second.status_code == 200

    asyncio.run(again())


def test_an_open_stream_ends_when_its_session_ends(stack: Stack, tmp_path: Path) -> None:
    with running_service(stack, tmp_path, worker=False, SSE_HEARTBEAT_SECONDS="0.5") as service:
        client = Client(service.url)
        path = _pending_reply(client)
        events: list[str] = []
        with client.http.stream("GET", path) as stream:
            lines = stream.iter_lines()
            assert next(lines).startswith(":")  # a first heartbeat: the stream is open
            assert httpx.post(
                f"{service.url}/auth/logout", headers={"Authorization": client.http.headers["Authorization"]}
            ).is_success
            started = time.monotonic()
            for line in lines:  # heartbeats keep coming while the stream is open
                if line.startswith("event:"):
                    events.append(line)
                if time.monotonic() - started > 5:
                    break
            ended_after = time.monotonic() - started
    assert events == ["event: unauthenticated"]
    assert ended_after < 2.0  # within a heartbeat or so, not at the stream's ten-minute limit


def test_the_redis_pool_for_streams_is_bounded(stack: Stack, tmp_path: Path) -> None:
    env = {"REDIS_STREAM_CONNECTIONS": "2", "MAX_STREAMS_PER_SESSION": "10", "SSE_HEARTBEAT_SECONDS": "0.5"}
    with running_service(stack, tmp_path, worker=False, **env) as service:
        client = Client(service.url)
        token = client.http.headers["Authorization"].removeprefix("Bearer ")
        path = _pending_reply(client)

        async def four_streams() -> None:
            async with contextlib.AsyncExitStack() as streams:
                opened = [await streams.enter_async_context(_open_stream(service.url, path, token)) for _ in range(4)]
                assert all(s.status_code == 200 for s in opened)
                await asyncio.sleep(1.0)
                assert _blocked_readers(stack) <= 2
                # Every stream is still served (the ones without a connection poll the record).
                for stream in opened:
                    assert (await anext(stream.aiter_lines())).startswith(":")

        asyncio.run(four_streams())
