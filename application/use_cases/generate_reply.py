from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from application.ports.repositories import Position, UnitOfWork, UnitOfWorkFactory
from application.ports.services import (
    Clock,
    LanguageModel,
    LanguageModelError,
    ReplyEvent,
    ReplyEventKind,
    ReplyEventStream,
    Telemetry,
)
from domain.chat import Message, MessageRole, MessageStatus, TokenUsage
from domain.context import ContextWindow, Turn
from domain.errors import ValidationError
from domain.quota import usage_day

log = logging.getLogger(__name__)

UNEXPECTED_FAILURE = "Something went wrong while writing this reply. Please send your message again."
CONTEXT_TOO_SMALL = "This message is too long for the model's context window."


@dataclass(frozen=True, slots=True, kw_only=True)
class ContextPolicy:
    token_budget: int = 8000
    page_size: int = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerationPolicy:
    # Longer than any single generation may take (the job's time limit), so a live
    # worker never loses its reply to another.
    lease: timedelta = timedelta(minutes=3)


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerateReplyCommand:
    reply_id: str
    # On the last attempt a transient failure is final: the reply fails and the
    # message is given back to the user's quota.
    final_attempt: bool = True


class ReplyDeferred(Exception):
    """The model is briefly unavailable: run the job again later."""

    def __init__(self, retry_after: float | None) -> None:
        super().__init__("reply deferred")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class _Started:
    reply: Message
    attempt: int
    turns: list[Turn]


@dataclass(frozen=True, slots=True)
class _Stored:
    room_untitled: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerateReply:
    """Write the model's reply to a user message, streaming it as it is written.

    Safe to run more than once for the same reply: a finished reply is left alone, and
    only the latest attempt may finish it, so a reply is answered exactly once.
    """

    uow: UnitOfWorkFactory
    clock: Clock
    model: LanguageModel
    events: ReplyEventStream
    context: ContextPolicy
    generation: GenerationPolicy
    telemetry: Telemetry

    async def execute(self, command: GenerateReplyCommand) -> None:
        started = await self._start(command.reply_id)
        if started is None:
            return
        reply, attempt = started.reply, started.attempt
        if not started.turns:
            await self._fail(reply.id, attempt, CONTEXT_TOO_SMALL)
            return
        pieces: list[str] = []
        offset = 0
        usage: TokenUsage | None = None
        began = time.monotonic()
        first_chunk: float | None = None
        try:
            async for chunk in self.model.stream_reply(started.turns):
                usage = chunk.usage or usage
                if chunk.text:
                    if first_chunk is None:
                        first_chunk = time.monotonic() - began
                    pieces.append(chunk.text)
                    offset += len(chunk.text)
                    await self.events.publish(
                        reply.id, ReplyEvent(kind=ReplyEventKind.CHUNK, attempt=attempt, offset=offset, text=chunk.text)
                    )
        except LanguageModelError as error:
            self.telemetry.model_error(error.kind)
            if error.transient and not command.final_attempt:
                await self._release(reply.id, attempt)
                raise ReplyDeferred(error.retry_after) from error
            await self._fail(reply.id, attempt, error.reason)
            self.telemetry.reply_finished(
                outcome="failed", seconds=time.monotonic() - began, first_chunk_seconds=first_chunk, usage=None
            )
            return
        except Exception:
            if not command.final_attempt:
                await self._release(reply.id, attempt)
                raise
            log.exception("reply %s failed on its last attempt", reply.id)
            await self._fail(reply.id, attempt, UNEXPECTED_FAILURE)
            self.telemetry.reply_finished(
                outcome="failed", seconds=time.monotonic() - began, first_chunk_seconds=first_chunk, usage=None
            )
            return
        text = "".join(pieces)
        stored = await self._complete(reply.id, attempt, text, usage)
        if stored is not None:
            self.telemetry.reply_finished(
                outcome="completed", seconds=time.monotonic() - began, first_chunk_seconds=first_chunk, usage=usage
            )
            await self.events.publish(reply.id, ReplyEvent(kind=ReplyEventKind.DONE, attempt=attempt, offset=len(text)))
            if stored.room_untitled:
                await self._name_chatroom(reply.chatroom_id, [*started.turns, Turn(MessageRole.MODEL, text)])

    async def _start(self, reply_id: str) -> _Started | None:
        now = self.clock.now()
        async with self.uow() as uow:
            # Locked: two workers cannot both start, or both finish, one reply.
            reply = await uow.messages.get(reply_id, for_update=True)
            if reply is None or reply.is_finished or reply.is_leased(now):
                return None
            attempt = reply.start_generation(now=now, lease=self.generation.lease)
            turns = await self._conversation_before(uow, reply)
            await uow.messages.update(reply)
            await uow.commit()
        return _Started(reply=reply, attempt=attempt, turns=turns)

    async def _conversation_before(self, uow: UnitOfWork, reply: Message) -> list[Turn]:
        """The newest turns before ``reply`` that fit the budget, paging back only as far
        as needed. Exchanges whose reply failed are left out: the model should not see
        a question it never answered."""
        window = ContextWindow(self.context.token_budget)
        unanswered: set[str] = set()
        before = Position(at=reply.created_at, id=reply.id)
        while not window.closed:
            page = await uow.messages.list_latest(reply.chatroom_id, limit=self.context.page_size, before=before)
            for message in page:
                if message.role is MessageRole.MODEL and message.status is not MessageStatus.COMPLETED:
                    if message.status is MessageStatus.FAILED and message.reply_to:
                        unanswered.add(message.reply_to)
                    continue
                if message.id in unanswered or (message.role is MessageRole.MODEL and not message.content):
                    continue
                if not window.offer(Turn(role=message.role, text=message.content)):
                    break
            if len(page) < self.context.page_size:
                break
            oldest = page[-1]
            before = Position(at=oldest.created_at, id=oldest.id)
        turns = window.turns()
        if not turns or turns[-1].role is not MessageRole.USER:
            return []
        return turns

    async def _release(self, reply_id: str, attempt: int) -> None:
        async with self.uow() as uow:
            # Locked: two workers cannot both start, or both finish, one reply.
            reply = await uow.messages.get(reply_id, for_update=True)
            if reply is None or reply.is_finished or reply.attempt != attempt:
                return
            reply.release()
            await uow.messages.update(reply)
            await uow.commit()

    async def _complete(self, reply_id: str, attempt: int, text: str, usage: TokenUsage | None) -> _Stored | None:
        """Store the reply, or return None if this attempt no longer owns it. Whether the
        room still needs a name is read in the same transaction, so a named room (nearly
        all of them) costs no transaction of its own."""
        async with self.uow() as uow:
            # Locked: two workers cannot both start, or both finish, one reply.
            reply = await uow.messages.get(reply_id, for_update=True)
            if reply is None or reply.is_finished or reply.attempt != attempt:
                return None
            charge_again = reply.complete(text=text, usage=usage, now=self.clock.now())
            await uow.messages.update(reply)
            chatroom = await uow.chatrooms.get(reply.chatroom_id)
            if charge_again and chatroom is not None:
                await self._recount(uow, chatroom.owner_id, reply)
            await uow.commit()
        return _Stored(room_untitled=chatroom is not None and chatroom.untitled)

    async def _fail(self, reply_id: str, attempt: int, reason: str) -> None:
        async with self.uow() as uow:
            # Locked: two workers cannot both start, or both finish, one reply.
            reply = await uow.messages.get(reply_id, for_update=True)
            if reply is None or reply.is_finished or reply.attempt != attempt:
                return
            give_back = reply.fail(error=reason, now=self.clock.now())
            await uow.messages.update(reply)
            chatroom = await uow.chatrooms.get(reply.chatroom_id)
            asked = await uow.messages.get(reply.reply_to) if reply.reply_to else None
            if give_back and chatroom is not None and asked is not None:
                await uow.quota.give_back(chatroom.owner_id, usage_day(asked.created_at))
            await uow.commit()
        await self.events.publish(
            reply_id, ReplyEvent(kind=ReplyEventKind.ERROR, attempt=attempt, offset=0, error=reason)
        )

    @staticmethod
    async def _recount(uow: UnitOfWork, owner_id: str, reply: Message) -> None:
        """Count the message again on the day it was sent (the day it was given back to)."""
        asked = await uow.messages.get(reply.reply_to) if reply.reply_to else None
        if asked is not None:
            await uow.quota.consume(owner_id, usage_day(asked.created_at))

    async def _name_chatroom(self, chatroom_id: str, turns: list[Turn]) -> None:
        """Give an untitled room a title from its first exchange; best effort."""
        try:
            suggestion = (await self.model.suggest_title(turns)).strip().strip("\"'*#").strip()
        except LanguageModelError as error:
            log.info("no title for chatroom %s: %s", chatroom_id, error.kind)
            return
        async with self.uow() as uow:
            # Locked: two replies cannot both name the room.
            chatroom = await uow.chatrooms.get(chatroom_id, for_update=True)
            try:
                named = chatroom is not None and chatroom.name_automatically(suggestion)
            except ValidationError:
                return
            if chatroom is None or not named:
                return
            await uow.chatrooms.update(chatroom)
            await uow.commit()
