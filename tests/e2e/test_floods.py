"""Floods a stranger can send, against the API as it runs (uvicorn, PostgreSQL, Redis,
the real argon2 cost): the rest of the service must keep answering, and the flood
itself must be throttled."""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Service, running_service
from tests.stack import Stack


@pytest.fixture
def api_only(stack: Stack, tmp_path: Path) -> Iterator[Service]:
    """One API process with production's password hashing cost, and no worker."""
    with running_service(
        stack, tmp_path, worker=False, PASSWORD_HASH_PROFILE="default", LOG_LEVEL="WARNING"
    ) as service:
        yield service


async def _flood_logins(url: str, seconds: float, concurrency: int) -> Counter[int]:
    numbers = (f"+4477009{n:05d}" for n in itertools.count(10000))
    statuses: Counter[int] = Counter()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:

        async def one_attacker() -> None:
            while time.monotonic() < deadline:
                body = {"mobile_number": next(numbers), "password": "guessing at random"}
                statuses[(await client.post("/auth/login", json=body)).status_code] += 1

        await asyncio.gather(*(one_attacker() for _ in range(concurrency)))
    return statuses


async def _probe_health(url: str, seconds: float) -> list[float]:
    latencies = []
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            assert (await client.get("/health")).status_code == 200
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.02)
    return latencies


def test_a_login_flood_with_fresh_numbers_neither_stalls_the_service_nor_goes_unthrottled(api_only: Service) -> None:
    """Before, argon2 (64 MiB, 3 passes) ran on the event loop: every login stalled every
    other request of the process, streams included, and fresh numbers dodged the
    per-number throttle. Now hashing has a thread of its own and a short queue, and
    one client gets 100 attempts per 15 minutes."""

    async def attack() -> tuple[Counter[int], list[float]]:
        flood = asyncio.create_task(_flood_logins(api_only.url, seconds=6, concurrency=48))
        await asyncio.sleep(0.5)  # the flood is under way
        latencies = await _probe_health(api_only.url, seconds=5)
        return await flood, latencies

    statuses, latencies = asyncio.run(attack())
    p95 = statistics.quantiles(latencies, n=20)[-1]
    print(f"flood: {dict(statuses)}; /health p50 {statistics.median(latencies) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    assert set(statuses) <= {401, 429, 503}
    assert statuses[401] >= 20  # passwords really were checked during the probe...
    assert statuses[429] > 0 and statuses[401] <= 100  # ...and the flood was cut off at the client's limit
    assert len(latencies) >= 50
    assert p95 < 0.25, f"/health p95 {p95 * 1000:.0f} ms during the flood"
