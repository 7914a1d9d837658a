from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, JobQueue, ReplyJob


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryFailedReplies:
    """Queue again the replies that failed within ``within`` (after an outage of the
    model, say). Their messages went back to the quota when they failed: one that now
    completes counts again, one that fails again gives nothing back a second time."""

    uow: UnitOfWorkFactory
    clock: Clock
    queue: JobQueue

    async def execute(self, within: timedelta, *, limit: int = 1000) -> list[str]:
        async with self.uow() as uow:
            failed = await uow.messages.list_failed_since(self.clock.now() - within, limit=limit)
            for reply_id in failed:
                reply = await uow.messages.get(reply_id, for_update=True)
                if reply is not None:
                    reply.retry()
                    await uow.messages.update(reply)
            await uow.commit()
        for reply_id in failed:
            await self.queue.enqueue_reply(ReplyJob(reply_id=reply_id))
        return list(failed)
