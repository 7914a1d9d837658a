"""The replies a worker process is writing, each a task on its event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

log = logging.getLogger("worker")

Started = TypeVar("Started")


class Generations:
    """A Dramatiq thread only starts a reply (takes its lease, reads its prompt) and
    hands the writing to a task here, so one process writes hundreds of replies at
    once instead of one per thread; its job then ends. That is safe because the lease
    and the sweeper, not the job, keep a reply from being lost: if the process dies, the
    lease runs out and the sweeper queues the reply again.

    At most ``limit`` replies are written at a time. Past that a thread waits for room
    before it takes a lease, and the jobs behind it wait in the queue, for this worker or
    another."""

    def __init__(self, limit: int) -> None:
        self._room = asyncio.Semaphore(limit)
        self._tasks: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    async def start(
        self, begin: Callable[[], Awaitable[Started | None]], write: Callable[[Started], Awaitable[None]]
    ) -> bool:
        """Wait for room, run ``begin``, and when it started something, have ``write``
        finish it in a task of its own. False when there was nothing to start."""
        await self._room.acquire()
        try:
            started = await begin()
        except BaseException:
            self._room.release()
            raise
        if started is None:
            self._room.release()
            return False
        # The task copies this context: the job's log fields follow the reply.
        task = asyncio.get_running_loop().create_task(self._written(write, started))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _written(self, write: Callable[[Started], Awaitable[None]], started: Started) -> None:
        try:
            await write(started)
        except Exception:
            log.exception("writing a reply failed")
        finally:
            self._room.release()

    async def drain(self, seconds: float) -> int:
        """Wait for the replies being written, up to ``seconds``; the number still
        unfinished then (their leases run out and the sweeper queues them again)."""
        if self._tasks:
            log.info("finishing %d replies before stopping", len(self._tasks))
            await asyncio.wait(set(self._tasks), timeout=seconds)
        return len(self._tasks)
