"""The worker's actors: the reply and export jobs, declared on the broker bootstrap made."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import dramatiq
import structlog
from dramatiq.middleware import CurrentMessage

from adapters.dramatiq.queue import EXPORT_ACTOR, EXPORT_QUEUE, REPLY_ACTOR, REPLY_QUEUE
from application.ports.services import ReplyJob
from application.use_cases.generate_reply import Generation, ReplyDeferred
from domain.errors import DependencyUnavailable
from entrypoints.container import Container
from entrypoints.settings import Settings
from entrypoints.worker.sweeper import WorkerLifecycle

log = logging.getLogger("worker")
# The largest accounts' archives take minutes; an hour is a job that is stuck.
EXPORT_TIME_LIMIT_MS = 3_600_000
# Dramatiq's cap on the wait between two runs of a job, kept for the retries we queue.
MAX_BACKOFF_SECONDS = 60.0


def declare_actors(broker: dramatiq.Broker, container: Container, settings: Settings) -> None:
    lifecycle = next(m for m in broker.middleware if isinstance(m, WorkerLifecycle))
    generations = lifecycle.generations
    max_retries = settings.reply_max_attempts - 1
    queue = container.adapters.job_queue()

    async def write(generation: Generation, retries: int, request_id: str | None) -> None:
        """Runs on after the job has ended, so a retry is queued here, as the Retries
        middleware would. A reply given back is taken by that run; one still leased (its
        store failed) waits for the lease to run out, then for the sweeper."""
        deadline = asyncio.timeout(settings.reply_time_limit_seconds)
        try:
            async with deadline:
                await container.generate_reply().write(generation, final_attempt=retries >= max_retries)
        except ReplyDeferred as deferred:
            delay = deferred.retry_after or settings.reply_retry_backoff_seconds * 2**retries
            log.info("reply deferred", extra={"retry_in_ms": int(delay * 1000)})
        except Exception:
            if deadline.expired():
                # Stopped mid-write, so not given back: the lease runs out, then the sweeper queues it.
                log.error("reply passed its time limit; the sweeper gives it to another run")
                return
            log.exception("reply failed; queued again")
            delay = settings.reply_retry_backoff_seconds * 2**retries
        else:
            log.info("reply written")
            return
        job = ReplyJob(reply_id=generation.reply.id, request_id=request_id)
        try:
            await queue.retry_reply(job, retries=retries + 1, delay_seconds=min(delay, MAX_BACKOFF_SECONDS))
        except DependencyUnavailable:
            log.warning("the retry was not queued; the sweeper queues the reply again")

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
        # The id of the HTTP request that sent the message follows it into this job's logs.
        with structlog.contextvars.bound_contextvars(request_id=request_id, reply_id=reply_id, attempt=retries + 1):
            await lifecycle.ready()
            # The job ends once the reply is started; the event loop writes it.
            started = await generations.start(
                begin=lambda: container.generate_reply().start(reply_id),
                write=lambda generation: write(generation, retries, request_id),
            )
            if not started:
                log.info("reply already written or being written")

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
