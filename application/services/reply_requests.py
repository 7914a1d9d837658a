"""Every request that asks the model for a reply — a new message, an edit, a regenerated
or continued reply — goes through the same door: the brakes, the daily quota, the
idempotency key and the queue, in one transaction with the messages it adds."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from application.ports.repositories import UnitOfWork, UnitOfWorkFactory
from application.ports.services import Clock, IdGenerator, JobQueue, RateLimiter, ReplyJob
from application.services.ownership import owned_chatroom
from application.services.placement import placed
from application.use_cases.authenticate import Principal
from domain.chat import Chatroom, Message, MessageRole, PlacedMessage
from domain.errors import Conflict, DailyLimitReached, DependencyUnavailable, NotFound, TooManyRequests
from domain.quota import DailyQuota, QuotaStatus, usage_day
from domain.users import Tier

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class SendPolicy:
    """Brakes on one user, whatever their tier: Pro is unlimited per day, not per second."""

    sends_per_minute: int = 30
    replies_in_flight: int = 10
    # A reply takes seconds: about when one in flight will have finished.
    in_flight_retry_after: int = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class Exchange:
    """What one request adds to the conversation: the reply to write, and the user
    message it answers when that message is new too (an edit or a new message)."""

    reply: Message
    question: Message | None = None

    @property
    def messages(self) -> list[Message]:
        """What it adds, parents first."""
        return [self.reply] if self.question is None else [self.question, self.reply]


# Builds the exchange inside the request's transaction, with the chatroom locked.
Ask = Callable[[UnitOfWork, Chatroom, datetime], Awaitable[Exchange]]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyRequest:
    principal: Principal
    chatroom_id: str
    ask: Ask
    idempotency_key: str | None = None
    request_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyCommand:
    """Ask for a new reply about an earlier one (regenerate it, continue it)."""

    principal: Principal
    chatroom_id: str
    reply_id: str
    idempotency_key: str | None = None
    request_id: str | None = None

    def asking(self, ask: Ask) -> ReplyRequest:
        return ReplyRequest(
            principal=self.principal,
            chatroom_id=self.chatroom_id,
            ask=ask,
            idempotency_key=self.idempotency_key,
            request_id=self.request_id,
        )


async def finished_reply(uow: UnitOfWork, chatroom: Chatroom, reply_id: str) -> Message:
    """The reply a new one is asked about: a model reply of this room that has ended."""
    reply = await uow.messages.get_in_chatroom(chatroom.id, reply_id)
    if reply is None:
        raise NotFound("Message not found.")
    if reply.role is not MessageRole.MODEL:
        raise Conflict("Only a model reply can be regenerated or continued; edit a message of yours instead.")
    if not reply.is_finished:
        raise Conflict("This reply is still being written. Cancel it first, or wait for it to finish.")
    return reply


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestedReply:
    # The user message the reply answers (new or already there).
    message: PlacedMessage
    reply: PlacedMessage
    quota: QuotaStatus
    # True when an earlier request with the same idempotency key is being answered again.
    replayed: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyRequests:
    """The messages, the pending reply, the quota count, the active branch and the
    idempotency record commit together; the job is queued after the commit. If the
    queue is down the reply stays pending and the sweeper of stale pending replies
    queues it later, so nothing is lost. Every tier has brakes: so many requests a
    minute, and so many replies being written at once."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    quota: DailyQuota
    queue: JobQueue
    limiter: RateLimiter
    policy: SendPolicy

    async def request(self, request: ReplyRequest) -> RequestedReply:
        try:
            result = await self._accept(request)
        except Conflict:
            # Another request with the same idempotency key committed first.
            if request.idempotency_key is None:
                raise
            result = await self._replay(request, request.idempotency_key)
        if result.replayed:
            return result
        try:
            await self.queue.enqueue_reply(ReplyJob(reply_id=result.reply.message.id, request_id=request.request_id))
        except DependencyUnavailable:
            log.warning("reply %s not queued; the pending-reply sweeper will queue it", result.reply.message.id)
        return result

    async def _accept(self, request: ReplyRequest) -> RequestedReply:
        owner_id = request.principal.user_id
        now = self.clock.now()
        async with self.uow() as uow:
            # Locked: requests in one room take turns, so each follows the branch the
            # one before it left.
            chatroom = await owned_chatroom(uow, chatroom_id=request.chatroom_id, owner_id=owner_id, for_update=True)
            if request.idempotency_key is not None:
                earlier = await self._earlier_result(uow, request, request.idempotency_key)
                if earlier is not None:
                    return earlier
            exchange = await request.ask(uow, chatroom, now)
            user = await uow.users.get(owner_id)
            if user is None:
                raise NotFound("User not found.")
            await self._brake(owner_id)
            used = await self._count(uow, owner_id, user.tier, now)
            # Counted after the quota row is taken: that row lock puts one user's requests
            # in a line, so two cannot both see room for one more.
            if await uow.messages.count_unfinished_replies(owner_id) >= self.policy.replies_in_flight:
                raise TooManyRequests(
                    f"{self.policy.replies_in_flight} of your replies are still being written. Wait for one to finish.",
                    retry_after_seconds=self.policy.in_flight_retry_after,
                )
            await uow.messages.add_all(exchange.messages)
            await uow.chatrooms.touch(chatroom, now, active_leaf_id=exchange.reply.id)
            if request.idempotency_key is not None:
                await uow.idempotency.add(owner_id, request.idempotency_key, exchange.reply.id)
            message, reply = await self._placed(uow, exchange)
            await uow.commit()
        return RequestedReply(message=message, reply=reply, quota=self.quota.status(tier=user.tier, used=used, now=now))

    async def _count(self, uow: UnitOfWork, owner_id: str, tier: Tier, now: datetime) -> int:
        day = usage_day(now)
        limit = self.quota.limit_for(tier)
        if limit is None:
            return await uow.quota.consume(owner_id, day)
        counted = await uow.quota.try_consume(owner_id, day, limit)
        if counted is None:
            raise DailyLimitReached(limit=limit, retry_after_seconds=self.quota.seconds_until_reset(now))
        return counted

    async def _placed(self, uow: UnitOfWork, exchange: Exchange) -> tuple[PlacedMessage, PlacedMessage]:
        reply = exchange.reply
        asked = exchange.question
        if asked is None and reply.reply_to is not None:
            asked = await uow.messages.get(reply.reply_to)
        if asked is None:
            raise NotFound("Message not found.")
        message, placed_reply = await placed(uow, reply.chatroom_id, [asked, reply])
        return message, placed_reply

    async def _brake(self, owner_id: str) -> None:
        """So many requests a minute. Not a security control: if Redis cannot be asked,
        the request goes through (the quota and the cap on replies in flight live in
        PostgreSQL)."""
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

    async def _replay(self, request: ReplyRequest, key: str) -> RequestedReply:
        async with self.uow() as uow:
            earlier = await self._earlier_result(uow, request, key)
        if earlier is None:
            raise Conflict("A request with this Idempotency-Key is still being processed.")
        return earlier

    async def _earlier_result(self, uow: UnitOfWork, request: ReplyRequest, key: str) -> RequestedReply | None:
        owner_id = request.principal.user_id
        reply_id = await uow.idempotency.get(owner_id, key)
        if reply_id is None:
            return None
        reply = await uow.messages.get(reply_id)
        if reply is None or reply.reply_to is None:
            # The chatroom was deleted since: the key is spent on a request that no longer exists.
            raise Conflict("This Idempotency-Key was used for a request whose chatroom is gone.")
        if reply.chatroom_id != request.chatroom_id:
            raise Conflict("This Idempotency-Key was already used for another chatroom.")
        user = await uow.users.get(owner_id)
        if user is None:
            raise NotFound("Message not found.")
        message, placed_reply = await self._placed(uow, Exchange(reply=reply))
        now = self.clock.now()
        used = await uow.quota.count(owner_id, usage_day(now))
        return RequestedReply(
            message=message,
            reply=placed_reply,
            quota=self.quota.status(tier=user.tier, used=used, now=now),
            replayed=True,
        )
