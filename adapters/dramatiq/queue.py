from __future__ import annotations

import asyncio
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from redis.exceptions import RedisError

from application.ports.services import ReplyJob
from domain.errors import DependencyUnavailable

REPLY_QUEUE = "replies"
REPLY_ACTOR = "generate_reply"
EXPORT_QUEUE = "exports"
EXPORT_ACTOR = "write_export"


def create_broker(url: str) -> RedisBroker:
    return RedisBroker(url=url, socket_timeout=5, socket_connect_timeout=2)


class DramatiqJobQueue:
    """Sends reply jobs to the worker's queue. The message is built here, by queue and
    actor name, so the API never imports the worker's actors."""

    def __init__(self, broker: RedisBroker) -> None:
        self._broker = broker

    async def enqueue_reply(self, job: ReplyJob) -> None:
        await self._enqueue(REPLY_QUEUE, REPLY_ACTOR, job.reply_id, request_id=job.request_id)

    async def retry_reply(self, job: ReplyJob, *, retries: int, delay_seconds: float) -> None:
        """The job again after ``delay_seconds``, as its ``retries``-th retry: what
        Dramatiq's Retries middleware does for a job that raised, for a reply whose job
        had already handed it to the worker's event loop (and so had ended)."""
        await self._enqueue(
            REPLY_QUEUE,
            REPLY_ACTOR,
            job.reply_id,
            request_id=job.request_id,
            options={"retries": retries},
            delay_ms=int(delay_seconds * 1000),
        )

    async def enqueue_export(self, export_id: str) -> None:
        await self._enqueue(EXPORT_QUEUE, EXPORT_ACTOR, export_id)

    async def _enqueue(
        self,
        queue: str,
        actor: str,
        *args: Any,
        options: dict[str, Any] | None = None,
        delay_ms: int | None = None,
        **kwargs: Any,
    ) -> None:
        message: dramatiq.Message[Any] = dramatiq.Message(
            queue_name=queue, actor_name=actor, args=args, kwargs=kwargs, options=options or {}
        )
        try:
            # redis-py's sync client under Dramatiq: off the event loop.
            await asyncio.to_thread(self._broker.enqueue, message, delay=delay_ms)
        except (RedisError, OSError) as error:
            raise DependencyUnavailable("The job queue is unavailable.") from error

    async def depth(self) -> int:
        try:
            # Dramatiq's Redis broker keeps a queue's waiting message ids in this list.
            return int(await asyncio.to_thread(self._broker.client.llen, f"{self._broker.namespace}:{REPLY_QUEUE}"))
        except (RedisError, OSError):
            return -1
