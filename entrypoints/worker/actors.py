"""The worker's actors: the reply and export jobs, declared on the broker bootstrap made."""

from __future__ import annotations

import logging
from typing import Any

import dramatiq
import structlog
from dramatiq.middleware import CurrentMessage

from adapters.dramatiq.queue import EXPORT_ACTOR, EXPORT_QUEUE, REPLY_ACTOR, REPLY_QUEUE
from application.use_cases.generate_reply import GenerateReplyCommand, ReplyDeferred
from entrypoints.container import Container
from entrypoints.settings import Settings
from entrypoints.worker.sweeper import WorkerLifecycle

log = logging.getLogger("worker")
# The largest accounts' archives take minutes; an hour is a job that is stuck.
EXPORT_TIME_LIMIT_MS = 3_600_000


def declare_actors(broker: dramatiq.Broker, container: Container, settings: Settings) -> None:
    lifecycle = next(m for m in broker.middleware if isinstance(m, WorkerLifecycle))
    max_retries = settings.reply_max_attempts - 1

    @dramatiq.actor(
        broker=broker,
        queue_name=REPLY_QUEUE,
        actor_name=REPLY_ACTOR,
        max_retries=max_retries,
        min_backoff=int(settings.reply_retry_backoff_seconds * 1000),
        max_backoff=60_000,
        time_limit=settings.reply_time_limit_seconds * 1000,
    )
    async def generate_reply(reply_id: str, request_id: str | None = None) -> None:
        message: Any = CurrentMessage.get_current_message()
        retries = int(message.options.get("retries", 0)) if message is not None else 0
        command = GenerateReplyCommand(reply_id=reply_id, final_attempt=retries >= max_retries)
        # The id of the HTTP request that sent the message follows it into this job's logs.
        with structlog.contextvars.bound_contextvars(request_id=request_id, reply_id=reply_id, attempt=retries + 1):
            log.info("writing reply")
            await lifecycle.ready()
            try:
                await container.generate_reply().execute(command)
            except ReplyDeferred as deferred:
                delay = deferred.retry_after or settings.reply_retry_backoff_seconds * 2**retries
                log.info("reply deferred", extra={"retry_in_ms": int(delay * 1000)})
                raise dramatiq.Retry(delay=int(delay * 1000)) from deferred
            log.info("reply job done")

    @dramatiq.actor(
        broker=broker,
        queue_name=EXPORT_QUEUE,
        actor_name=EXPORT_ACTOR,
        # A failed export is marked failed by the job itself; asking again starts another.
        max_retries=0,
        time_limit=EXPORT_TIME_LIMIT_MS,
    )
    async def write_export(export_id: str) -> None:
        with structlog.contextvars.bound_contextvars(export_id=export_id):
            log.info("writing export")
            await lifecycle.ready()
            await container.write_export().execute(export_id)
            log.info("export job done")
