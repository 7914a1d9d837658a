from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, JobQueue, ReplyJob
from domain.errors import DependencyUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepPolicy:
    # A reply still pending after this long was probably never queued (the queue was
    # down when it was sent) or its job was lost. Queuing it twice is harmless.
    pending_grace: timedelta = timedelta(seconds=30)
    batch: int = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class RequeueStalledReplies:
    """Queue again every reply nobody is writing, so no message is left unanswered:
    those whose job never reached the queue and those whose worker died mid-reply.
    GenerateReply is idempotent and leased, so a reply queued twice is answered once."""

    uow: UnitOfWorkFactory
    clock: Clock
    queue: JobQueue
    policy: SweepPolicy

    async def execute(self) -> int:
        now = self.clock.now()
        async with self.uow() as uow:
            stalled = await uow.messages.list_stalled(
                pending_before=now - self.policy.pending_grace, now=now, limit=self.policy.batch
            )
        queued = 0
        for reply_id in stalled:
            try:
                await self.queue.enqueue_reply(ReplyJob(reply_id=reply_id))
            except DependencyUnavailable:
                log.warning("queue unavailable; %d stalled replies wait for the next sweep", len(stalled) - queued)
                break
            queued += 1
        return queued
