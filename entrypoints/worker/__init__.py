"""The Dramatiq worker: ``dramatiq entrypoints.worker`` (``make worker``).

Replies are written by an AsyncIO actor, so one process holds as many model calls in
flight as it has worker threads (``--threads``), all on one event loop. The same
process sweeps for stalled replies every ``SWEEP_INTERVAL_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from concurrent.futures import Future
from typing import Any

import dramatiq
import prometheus_client
import structlog
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import AsyncIO, CurrentMessage

from adapters.dramatiq.queue import REPLY_ACTOR, REPLY_QUEUE
from application.use_cases.generate_reply import GenerateReplyCommand, ReplyDeferred
from entrypoints.container import Container, build_container
from entrypoints.logs import configure_logging
from entrypoints.resources import close_resources, open_resources
from entrypoints.settings import Settings, SettingsError, load_settings

log = logging.getLogger("worker")

try:
    settings: Settings = load_settings()
except SettingsError as error:
    print(error, file=sys.stderr)
    raise SystemExit(2) from None

configure_logging(level=settings.log_level, json=settings.log_format == "json")

# One composition root per worker process. Its engine and clients are created on
# first use, which happens on the worker's event loop (one engine per loop).
_container: Container = build_container(settings)
_opened: asyncio.Event | None = None


async def container() -> Container:
    global _opened
    if _opened is None:
        _opened = asyncio.Event()
        await open_resources(_container)
        _opened.set()
    await _opened.wait()
    return _container


class StalledReplySweeper(dramatiq.Middleware):
    """Every SWEEP_INTERVAL_SECONDS, queue again the replies nobody is writing."""

    def __init__(self) -> None:
        self._task: Future[None] | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if settings.worker_metrics_port:
            prometheus_client.start_http_server(
                settings.worker_metrics_port, addr=settings.host, registry=_container.services.telemetry().registry
            )
        thread = get_event_loop_thread()
        if thread is not None:
            self._task = asyncio.run_coroutine_threadsafe(self._sweep_forever(), thread.loop)

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if self._task is not None:
            self._task.cancel()
        thread = get_event_loop_thread()
        if thread is not None and _opened is not None:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(close_resources(_container), thread.loop).result(timeout=10)

    @staticmethod
    async def _sweep_forever() -> None:
        while True:
            await asyncio.sleep(settings.sweep_interval_seconds)
            try:
                queued = await (await container()).requeue_stalled_replies().execute()
            except Exception:
                log.exception("sweep failed")
                continue
            if queued:
                log.info("requeued %d stalled replies", queued)


def _broker() -> dramatiq.Broker:
    broker: dramatiq.Broker = _container.adapters.broker()
    broker.add_middleware(AsyncIO())
    broker.add_middleware(CurrentMessage())
    broker.add_middleware(StalledReplySweeper())
    return broker


dramatiq.set_broker(_broker())
MAX_RETRIES = settings.reply_max_attempts - 1


@dramatiq.actor(
    queue_name=REPLY_QUEUE,
    actor_name=REPLY_ACTOR,
    max_retries=MAX_RETRIES,
    min_backoff=int(settings.reply_retry_backoff_seconds * 1000),
    max_backoff=60_000,
    time_limit=settings.reply_time_limit_seconds * 1000,
)
async def generate_reply(reply_id: str, request_id: str | None = None) -> None:
    message: Any = CurrentMessage.get_current_message()
    retries = int(message.options.get("retries", 0)) if message is not None else 0
    command = GenerateReplyCommand(reply_id=reply_id, final_attempt=retries >= MAX_RETRIES)
    # The id of the HTTP request that sent the message follows it into this job's logs.
    with structlog.contextvars.bound_contextvars(request_id=request_id, reply_id=reply_id, attempt=retries + 1):
        log.info("writing reply")
        try:
            await (await container()).generate_reply().execute(command)
        except ReplyDeferred as deferred:
            delay = deferred.retry_after or settings.reply_retry_backoff_seconds * 2**retries
            log.info("reply deferred", extra={"retry_in_ms": int(delay * 1000)})
            raise dramatiq.Retry(delay=int(delay * 1000)) from deferred
        log.info("reply job done")
