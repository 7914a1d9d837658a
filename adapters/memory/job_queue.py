from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from application.ports.services import ReplyJob
from application.use_cases.generate_reply import GenerateReplyCommand, ReplyDeferred

log = logging.getLogger(__name__)


class _ReplyWriter(Protocol):
    async def execute(self, command: GenerateReplyCommand) -> None: ...


class _ExportWriter(Protocol):
    async def execute(self, export_id: str) -> None: ...


class InMemoryJobQueue:
    """Runs each job as an asyncio task in this process, with the same retry rules as
    the real queue: up to ``max_attempts`` runs, exponential backoff between them, the
    model's own retry delay when it gave one, and ``final_attempt`` on the last run."""

    def __init__(
        self,
        reply_writer: Callable[[], _ReplyWriter],
        *,
        export_writer: Callable[[], _ExportWriter],
        max_attempts: int = 3,
        backoff_seconds: float = 1.0,
    ) -> None:
        self._reply_writer = reply_writer
        self._export_writer = export_writer
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._tasks: set[asyncio.Task[None]] = set()

    async def enqueue_reply(self, job: ReplyJob) -> None:
        self._start(self._run(job))

    async def enqueue_export(self, export_id: str) -> None:
        # Run once: writing an export settles its own failure.
        self._start(self._export_writer().execute(export_id))

    def _start(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def depth(self) -> int:
        return len(self._tasks)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _run(self, job: ReplyJob) -> None:
        for attempt in range(1, self._max_attempts + 1):
            command = GenerateReplyCommand(reply_id=job.reply_id, final_attempt=attempt == self._max_attempts)
            delay = self._backoff * 2 ** (attempt - 1)
            try:
                await self._reply_writer().execute(command)
                return
            except ReplyDeferred as deferred:
                delay = max(delay, deferred.retry_after or 0.0)
            except Exception:
                log.exception("reply job %s failed (attempt %s)", job.reply_id, attempt)
            if attempt < self._max_attempts:
                await asyncio.sleep(delay)
