from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from application.ports.repositories import UnitOfWork, UnitOfWorkFactory
from application.ports.services import Clock, IdGenerator, JobQueue, RateLimiter, ReplyJob
from application.services.ownership import owned_chatroom
from application.use_cases.authenticate import Principal
from domain.chat import Message
from domain.errors import Conflict, DailyLimitReached, DependencyUnavailable, NotFound, TooManyRequests
from domain.quota import DailyQuota, QuotaStatus, usage_day

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class SendPolicy:
    """Brakes on one user, whatever their tier: Pro is unlimited per day, not per second."""

    sends_per_minute: int = 30
    replies_in_flight: int = 10
    # A reply takes seconds: about when one in flight will have finished.
    in_flight_retry_after: int = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class SendMessageCommand:
    principal: Principal
    chatroom_id: str
    content: str
    idempotency_key: str | None = None
    request_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SendMessageResult:
    message: Message
    reply: Message
    quota: QuotaStatus
    # True when an earlier request with the same idempotency key is being answered again.
    replayed: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SendMessage:
    """Accept a user's message and queue the model's reply.

    The message, the pending reply, the quota count and the idempotency record commit
    together; the job is queued after the commit. If the queue is down the reply stays
    pending and is picked up later by the sweeper of stale pending replies, so the
    client's message is never lost. Every tier has brakes: so many sends a minute, and
    so many replies being written at once.
    """

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    quota: DailyQuota
    queue: JobQueue
    limiter: RateLimiter
    policy: SendPolicy

    async def execute(self, command: SendMessageCommand) -> SendMessageResult:
        try:
            result = await self._accept(command)
        except Conflict:
            # Another request with the same idempotency key committed first.
            if command.idempotency_key is None:
                raise
            return await self._replay(command, command.idempotency_key)
        if result.replayed:
            return result
        try:
            await self.queue.enqueue_reply(ReplyJob(reply_id=result.reply.id, request_id=command.request_id))
        except DependencyUnavailable:
            log.warning("reply %s not queued; the pending-reply sweeper will queue it", result.reply.id)
        return result

    async def _accept(self, command: SendMessageCommand) -> SendMessageResult:
        owner_id = command.principal.user_id
        now = self.clock.now()
        message = Message.from_user(
            id=self.ids.new_id(), chatroom_id=command.chatroom_id, content=command.content, now=now
        )
        async with self.uow() as uow:
            chatroom = await owned_chatroom(uow, chatroom_id=command.chatroom_id, owner_id=owner_id)
            if command.idempotency_key is not None:
                earlier = await self._earlier_result(uow, command, command.idempotency_key)
                if earlier is not None:
                    return earlier
            user = await uow.users.get(owner_id)
            if user is None:
                raise NotFound("User not found.")
            await self._brake(owner_id)
            day = usage_day(now)
            limit = self.quota.limit_for(user.tier)
            if limit is None:
                used = await uow.quota.consume(owner_id, day)
            else:
                counted = await uow.quota.try_consume(owner_id, day, limit)
                if counted is None:
                    raise DailyLimitReached(limit=limit, retry_after_seconds=self.quota.seconds_until_reset(now))
                used = counted
            # Counted after the quota row is taken: that row lock puts one user's sends in
            # a line, so two cannot both see room for one more.
            if await uow.messages.count_unfinished_replies(owner_id) >= self.policy.replies_in_flight:
                raise TooManyRequests(
                    f"{self.policy.replies_in_flight} of your replies are still being written. Wait for one to finish.",
                    retry_after_seconds=self.policy.in_flight_retry_after,
                )
            reply = Message.pending_reply(id=self.ids.new_id(), to=message, now=now)
            await uow.messages.add(message)
            await uow.messages.add(reply)
            await uow.chatrooms.touch(chatroom, now)
            if command.idempotency_key is not None:
                await uow.idempotency.add(owner_id, command.idempotency_key, reply.id)
            await uow.commit()
        return SendMessageResult(
            message=message, reply=reply, quota=self.quota.status(tier=user.tier, used=used, now=now)
        )

    async def _brake(self, owner_id: str) -> None:
        """So many sends a minute. Not a security control: if Redis cannot be asked, the
        send goes through (the quota and the cap on replies in flight live in PostgreSQL)."""
        try:
            retry_after = await self.limiter.hit(
                f"sends:{owner_id}", limit=self.policy.sends_per_minute, window=timedelta(minutes=1)
            )
        except DependencyUnavailable:
            log.warning("send rate unknown (rate limiter unavailable); send allowed")
            return
        if retry_after is not None:
            raise TooManyRequests(
                f"You can send {self.policy.sends_per_minute} messages a minute.", retry_after_seconds=retry_after
            )

    async def _replay(self, command: SendMessageCommand, key: str) -> SendMessageResult:
        async with self.uow() as uow:
            earlier = await self._earlier_result(uow, command, key)
        if earlier is None:
            raise Conflict("A request with this Idempotency-Key is still being processed.")
        return earlier

    async def _earlier_result(self, uow: UnitOfWork, command: SendMessageCommand, key: str) -> SendMessageResult | None:
        owner_id = command.principal.user_id
        reply_id = await uow.idempotency.get(owner_id, key)
        if reply_id is None:
            return None
        reply = await uow.messages.get(reply_id)
        if reply is None or reply.reply_to is None:
            # The chatroom was deleted since: the key is spent on a request that no longer exists.
            raise Conflict("This Idempotency-Key was used for a request whose chatroom is gone.")
        if reply.chatroom_id != command.chatroom_id:
            raise Conflict("This Idempotency-Key was already used for another chatroom.")
        message = await uow.messages.get(reply.reply_to)
        user = await uow.users.get(owner_id)
        if message is None or user is None:
            raise NotFound("Message not found.")
        now = self.clock.now()
        used = await uow.quota.count(owner_id, usage_day(now))
        return SendMessageResult(
            message=message,
            reply=reply,
            quota=self.quota.status(tier=user.tier, used=used, now=now),
            replayed=True,
        )
