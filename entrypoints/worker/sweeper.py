"""The sweeper (stalled replies, uploads never sent), and the worker's lifecycle around it: open what the
process holds at boot, serve metrics, sweep while the worker runs, close at shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Future

import dramatiq
import prometheus_client
from dramatiq.asyncio import get_event_loop_thread

from application.use_cases.delete_chatroom import SweepTemporaryChatrooms
from application.use_cases.export_chats import SweepExports
from application.use_cases.manage_uploads import FinishFileDeletions, SweepUnattachedUploads
from application.use_cases.requeue_stalled_replies import RequeueStalledReplies
from entrypoints.container import Container
from entrypoints.resources import close_resources, open_resources
from entrypoints.settings import Settings
from entrypoints.worker.generations import Generations

log = logging.getLogger("worker")


class Sweeper:
    """Every ``interval_seconds``, queue again the replies nobody is writing (pending too
    long, or streaming under a lease that ran out): the safety net under the job queue.
    It also deletes the uploads never sent with a message (after 24 hours), the files of
    deleted uploads whose deletion failed, temporary chats a day after their last
    message, and exports a day after they were written."""

    def __init__(
        self,
        *,
        requeue: Callable[[], RequeueStalledReplies],
        sweep_uploads: Callable[[], SweepUnattachedUploads],
        finish_file_deletions: Callable[[], FinishFileDeletions],
        sweep_temporary_chats: Callable[[], SweepTemporaryChatrooms],
        sweep_exports: Callable[[], SweepExports],
        interval_seconds: float,
    ) -> None:
        self._sweep_temporary_chats = sweep_temporary_chats
        self._sweep_exports = sweep_exports
        self._requeue = requeue
        self._sweep_uploads = sweep_uploads
        self._finish_file_deletions = finish_file_deletions
        self._interval = interval_seconds

    async def sweep_once(self) -> int:
        expired = await self._sweep_temporary_chats().execute()
        if expired:
            log.info("deleted %d temporary chats", expired)
        exports = await self._sweep_exports().execute()
        if exports:
            log.info("deleted %d expired exports", exports)
        deleted = await self._sweep_uploads().execute()
        if deleted:
            log.info("deleted %d uploads never sent", deleted)
        finished = await self._finish_file_deletions().execute()
        if finished:
            log.info("deleted %d files of deleted uploads", finished)
        return await self._requeue().execute()

    async def run(self, ready: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await ready()
                queued = await self.sweep_once()
            except Exception:
                log.exception("sweep failed")
                continue
            if queued:
                log.info("requeued %d stalled replies", queued)


class WorkerLifecycle(dramatiq.Middleware):
    """Dramatiq's hooks into the worker's boot and shutdown, doing the lifecycle's steps.
    Added after Dramatiq's AsyncIO middleware, so at shutdown it runs while the event
    loop still does: the replies being written are finished, then what the process holds
    is closed."""

    def __init__(self, container: Container, settings: Settings, sweeper: Sweeper) -> None:
        self._container = container
        self._settings = settings
        self._sweeper = sweeper
        self.generations = Generations(settings.replies_per_worker)
        self._opened: asyncio.Event | None = None
        self._sweeping: Future[None] | None = None

    async def ready(self) -> None:
        """Open what the process holds, once, on the worker's event loop."""
        if self._opened is None:
            self._opened = asyncio.Event()
            await open_resources(self._container)
            self._opened.set()
        await self._opened.wait()

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if self._settings.worker_metrics_port:
            prometheus_client.start_http_server(
                self._settings.worker_metrics_port,
                addr=self._settings.host,
                registry=self._container.services.telemetry().registry,
            )
        thread = get_event_loop_thread()
        if thread is not None:
            self._sweeping = asyncio.run_coroutine_threadsafe(self._sweeper.run(self.ready), thread.loop)

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if self._sweeping is not None:
            self._sweeping.cancel()

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        """The jobs have stopped; the replies they handed over are finished (a reply
        is bounded by its time limit), then what the process holds is closed."""
        thread = get_event_loop_thread()
        if thread is None or self._opened is None:
            return
        limit = self._settings.reply_time_limit_seconds
        unfinished = asyncio.run_coroutine_threadsafe(self.generations.drain(limit), thread.loop).result()
        if unfinished:
            log.warning("%d replies left unfinished; the sweeper queues them again", unfinished)
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close_resources(self._container), thread.loop).result(timeout=10)
