from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from domain.errors import DependencyUnavailable

T = TypeVar("T")

PROFILES = {
    # RFC 9106's second recommendation (64 MiB, 3 passes): the right cost for servers.
    "default": argon2.profiles.RFC_9106_LOW_MEMORY,
    # For tests only: keeps a suite with hundreds of sign-ins fast. Refused in production.
    "cheapest": argon2.profiles.CHEAPEST,
}


class Argon2PasswordHasher:
    """Argon2id in a small pool of threads of its own. argon2-cffi releases the GIL while
    it hashes, so the event loop keeps serving every other request (streams included)
    while passwords are checked; ``threads`` bounds the cores hashing may take, and
    at most ``max_waiting`` hashes queue behind them: past that the caller is told to
    come back shortly instead of waiting behind a flood."""

    def __init__(self, profile: str = "default", *, threads: int = 1, max_waiting: int = 32) -> None:
        self._hasher = argon2.PasswordHasher.from_parameters(PROFILES[profile])
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="argon2")
        self._capacity = threads + max_waiting
        self._in_use = 0
        self._decoy: str | None = None

    async def hash(self, password: str) -> str:
        return await self._run(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._run(self._verify, password_hash, password)

    async def burn_time(self) -> None:
        if self._decoy is None:
            self._decoy = await self.hash("decoy password, never used by anyone")
        await self.verify(self._decoy, "not the decoy password")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def _run(self, work: Callable[..., T], *args: str) -> T:
        # One event loop per process reads and writes the count: no lock needed.
        if self._in_use >= self._capacity:
            raise DependencyUnavailable(
                "Too many sign-ins are being checked right now. Please try again in a moment.", retry_after_seconds=1
            )
        self._in_use += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, work, *args)
        finally:
            self._in_use -= 1
