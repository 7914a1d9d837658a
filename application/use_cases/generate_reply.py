from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from application.ports.repositories import RoomAndOwner, UnitOfWork, UnitOfWorkFactory
from application.ports.services import (
    Clock,
    LanguageModel,
    LanguageModelError,
    ReplyCancellations,
    ReplyEvent,
    ReplyEventKind,
    ReplyEventStream,
    Telemetry,
)
from application.services.refunds import give_back_message
from domain.chat import ContextMessage, FinishReason, Message, MessageRole, MessageStatus, TokenUsage
from domain.context import CHARS_PER_TOKEN, ContextWindow, Prompt, Turn, instruction_tokens
from domain.errors import ValidationError
from domain.instructions import system_instruction
from domain.models import ModelCatalogue
from domain.quota import usage_day

log = logging.getLogger(__name__)

UNEXPECTED_FAILURE = "Something went wrong while writing this reply. Please send your message again."
CONTEXT_TOO_SMALL = (
    "This message, with its files, is more than the model can read at once. Send fewer or smaller files,"
    " or a shorter message."
)
CONTINUE_INSTRUCTION = "Continue exactly where your previous answer stopped, without repeating any of it."
# The name usage is recorded under for a reply whose model was not recorded.
UNKNOWN_MODEL = "unknown"
# The LanguageModelError kind of an answer the model declined to give (safety).
REFUSED = "refused"


@dataclass(frozen=True, slots=True, kw_only=True)
class ContextPolicy:
    token_budget: int = 8000
    # At most this many messages a read (the budget in characters usually stops it sooner).
    page_size: int = 500
    # The operator's instruction, before each person's own.
    system_instruction: str | None = None


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
class Generation:
    """A reply whose lease this attempt holds, the prompt it answers, and what its room
    was when it started: whose it is (usage is counted under them) and whether it
    still needed a name (read again, under lock, before one is given)."""

    reply: Message
    attempt: int
    prompt: Prompt
    owner_id: str | None = None
    room_untitled: bool = False


@dataclass(slots=True, kw_only=True)
class _Progress:
    """What the model has written so far in this attempt."""

    began: float
    pieces: list[str] = field(default_factory=list)
    offset: int = 0
    usage: TokenUsage | None = None
    finish_reason: FinishReason | None = None
    first_chunk: float | None = None

    @property
    def text(self) -> str:
        return "".join(self.pieces)


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerateReply:
    """Write the model's reply to a user message, streaming it as it is written.

    Safe to run more than once for the same reply: a finished reply is left alone, and
    only the latest attempt may finish it, so a reply is answered exactly once.

    In two steps, which a worker may run apart: ``start`` takes the reply's lease and
    reads its prompt; ``write`` streams the model's answer and stores it.
    """

    uow: UnitOfWorkFactory
    clock: Clock
    model: LanguageModel
    models: ModelCatalogue
    events: ReplyEventStream
    cancellations: ReplyCancellations
    context: ContextPolicy
    generation: GenerationPolicy
    telemetry: Telemetry

    async def execute(self, command: GenerateReplyCommand) -> None:
        generation = await self.start(command.reply_id)
        if generation is not None:
            await self.write(generation, final_attempt=command.final_attempt)

    async def write(self, generation: Generation, *, final_attempt: bool) -> None:
        """Stream the model's answer and store it. A transient failure before the final
        attempt gives the lease back and raises ReplyDeferred (or the error itself)."""
        reply, attempt = generation.reply, generation.attempt
        if not generation.prompt.turns:
            await self._fail(reply.id, attempt, CONTEXT_TOO_SMALL, FinishReason.ERROR)
            return
        progress = _Progress(began=time.monotonic())
        writing = asyncio.ensure_future(self._write(generation, progress))
        stop = asyncio.ensure_future(self._stop_asked(reply.id))
        try:
            await asyncio.wait({writing, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not writing.done():
                # Cancelling the task closes the model's HTTP stream: the provider stops
                # writing (and billing) at once.
                writing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writing
        if writing.cancelled():
            await self._cancel(reply.id, attempt, progress)
            return
        try:
            writing.result()
        except LanguageModelError as error:
            self.telemetry.model_error(error.kind)
            if error.transient and not final_attempt:
                await self._release(reply.id, attempt)
                raise ReplyDeferred(error.retry_after) from error
            reason = FinishReason.SAFETY if error.kind == REFUSED else FinishReason.ERROR
            await self._fail(reply.id, attempt, error.reason, reason)
            self._finished("failed", progress, usage=None)
            return
        except Exception:
            if not final_attempt:
                await self._release(reply.id, attempt)
                raise
            log.exception("reply %s failed on its last attempt", reply.id)
            await self._fail(reply.id, attempt, UNEXPECTED_FAILURE, FinishReason.ERROR)
            self._finished("failed", progress, usage=None)
            return
        text = progress.text
        if await self._complete(generation, text, progress.usage, progress.finish_reason):
            self._finished("completed", progress, usage=progress.usage)
            await self.events.publish(reply.id, ReplyEvent(kind=ReplyEventKind.DONE, attempt=attempt, offset=len(text)))
            if generation.room_untitled:
                await self._name_chatroom(reply.chatroom_id, [*generation.prompt.turns, Turn(MessageRole.MODEL, text)])

    async def _stop_asked(self, reply_id: str) -> None:
        try:
            await self.cancellations.wait(reply_id)
        except Exception:
            # Not being able to hear a stop is no reason to stop: write the reply.
            log.exception("cannot watch reply %s for cancellation", reply_id)
            await asyncio.Event().wait()

    async def _write(self, generation: Generation, progress: _Progress) -> None:
        async for chunk in self.model.stream_reply(generation.prompt):
            progress.usage = chunk.usage or progress.usage
            progress.finish_reason = chunk.finish_reason or progress.finish_reason
            if chunk.text:
                if progress.first_chunk is None:
                    progress.first_chunk = time.monotonic() - progress.began
                progress.pieces.append(chunk.text)
                progress.offset += len(chunk.text)
                await self.events.publish(
                    generation.reply.id,
                    ReplyEvent(
                        kind=ReplyEventKind.CHUNK, attempt=generation.attempt, offset=progress.offset, text=chunk.text
                    ),
                )

    def _finished(self, outcome: str, progress: _Progress, *, usage: TokenUsage | None) -> None:
        self.telemetry.reply_finished(
            outcome=outcome,
            seconds=time.monotonic() - progress.began,
            first_chunk_seconds=progress.first_chunk,
            usage=usage,
        )

    async def _cancel(self, reply_id: str, attempt: int, progress: _Progress) -> None:
        """Keep what was written and shown; give the message back if nothing was."""
        text = progress.text
        async with self.uow() as uow:
            # Locked: two workers cannot both start, or both finish, one reply.
            reply = await uow.messages.get(reply_id, for_update=True)
            if reply is None or reply.is_finished or reply.attempt != attempt:
                return
            now = self.clock.now()
            give_back = reply.cancel(text=text, usage=progress.usage, now=now)
            await uow.messages.update(reply)
            if give_back:
                await give_back_message(uow, reply)
            else:
                # Stopped after words were shown: the model wrote them, and they count.
                chatroom = await uow.chatrooms.get(reply.chatroom_id)
                if chatroom is not None:
                    await self._record_usage(uow, chatroom.owner_id, reply, progress.usage, now)
            await uow.commit()
        self._finished("cancelled", progress, usage=progress.usage)
        await self.events.publish(
            reply_id, ReplyEvent(kind=ReplyEventKind.CANCELLED, attempt=attempt, offset=len(text))
        )

    async def start(self, reply_id: str) -> Generation | None:
        """Take the reply's lease and read what the model is to answer; None when there
        is nothing to write (finished, or another attempt holds the lease)."""
        now = self.clock.now()
        async with self.uow() as uow:
            # Locked: two workers cannot both start, or both finish, one reply.
            reply = await uow.messages.get(reply_id, for_update=True)
            if reply is None or reply.is_finished or reply.is_leased(now):
                return None
            attempt = reply.start_generation(now=now, lease=self.generation.lease)
            room = await uow.chatrooms.get_with_owner(reply.chatroom_id)
            # A room deleted meanwhile: nothing will show the reply.
            prompt = await self._prompt_for(uow, reply, room) if room is not None else Prompt(turns=[])
            # The model that writes it, recorded as it starts (usage is counted under it).
            reply.model = prompt.model.id if prompt.model else None
            await uow.messages.update(reply)
            await uow.commit()
        if room is None:
            return Generation(reply=reply, attempt=attempt, prompt=prompt)
        chatroom = room.chatroom
        return Generation(
            reply=reply, attempt=attempt, prompt=prompt, owner_id=chatroom.owner_id, room_untitled=chatroom.untitled
        )

    async def _prompt_for(self, uow: UnitOfWork, reply: Message, room: RoomAndOwner) -> Prompt:
        """For the chat's effective model (its choice while the owner's plan has it, else
        the plan's default): the instructions in full, then as much of the conversation
        as the rest of the budget holds: the conversation is trimmed, never the
        instructions."""
        chatroom = room.chatroom
        model = self.models.effective(chatroom.model, room.plan)
        instruction = system_instruction(
            self.context.system_instruction,
            room.instructions,
            chatroom.system_instruction,
            gem=chatroom.gem_instructions,
        )
        # The model reads the prompt and writes the answer in one window.
        window = min(self.context.token_budget, model.context_window - model.output_limit)
        return Prompt(
            turns=await self._conversation_before(uow, reply, window - instruction_tokens(instruction)),
            system_instruction=instruction,
            temperature=chatroom.temperature,
            model=model,
        )

    async def _conversation_before(self, uow: UnitOfWork, reply: Message, budget: int) -> list[Turn]:
        """The newest turns of the reply's own branch that fit the budget, paging back
        only as far as needed; never a word of another branch. Exchanges whose reply
        failed (or was stopped before a word) are left out: the model should not see a
        question it never answered. A continuation ends with a request to go on."""
        window = ContextWindow(budget)
        unanswered: set[str] = set()
        start = reply.parent_id
        while start is not None and not window.closed:
            # A turn costs at least a token per CHARS_PER_TOKEN characters of its text, so
            # past budget x CHARS_PER_TOKEN characters the window is surely full: one read
            # brings what the budget needs (another only if turns were left out).
            page = await uow.messages.context_before(
                reply.chatroom_id,
                leaf_id=start,
                limit=self.context.page_size,
                characters=(budget - window.used) * CHARS_PER_TOKEN,
            )
            for message in page:
                if message.role is MessageRole.MODEL and _came_to_nothing(message):
                    unanswered.add(message.reply_to or "")
                    continue
                if message.role is MessageRole.MODEL and not (message.is_finished and message.content):
                    continue
                if message.id in unanswered:
                    continue
                if not window.offer(Turn(role=message.role, text=message.content, attachments=message.attachments)):
                    break
            start = page[-1].parent_id if page else None
        turns = window.turns()
        if reply.is_continuation and turns and turns[-1].role is MessageRole.MODEL:
            turns.append(Turn(MessageRole.USER, CONTINUE_INSTRUCTION))
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

    async def _complete(
        self, generation: Generation, text: str, usage: TokenUsage | None, reason: FinishReason | None
    ) -> bool:
        """Store the reply; False if this attempt no longer owns it. The room's owner is
        the one read when the reply started: a room's owner never changes, and a room
        deleted since took the reply with it."""
        async with self.uow() as uow:
            # Locked: two workers cannot both start, or both finish, one reply.
            reply = await uow.messages.get(generation.reply.id, for_update=True)
            if reply is None or reply.is_finished or reply.attempt != generation.attempt:
                return False
            now = self.clock.now()
            charge_again = reply.complete(text=text, usage=usage, now=now, reason=reason or FinishReason.STOP)
            await uow.messages.update(reply)
            if generation.owner_id is not None:
                if charge_again:
                    await self._recount(uow, generation.owner_id, reply)
                await self._record_usage(uow, generation.owner_id, reply, usage, now)
            await uow.commit()
        return True

    @staticmethod
    async def _record_usage(
        uow: UnitOfWork, owner_id: str, reply: Message, usage: TokenUsage | None, now: datetime
    ) -> None:
        """In the same transaction as the reply, so a reply is counted exactly once."""
        await uow.model_usage.record(owner_id, usage_day(now), reply.model or UNKNOWN_MODEL, usage)

    async def _fail(self, reply_id: str, attempt: int, reason: str, finish: FinishReason) -> None:
        async with self.uow() as uow:
            # Locked: two workers cannot both start, or both finish, one reply.
            reply = await uow.messages.get(reply_id, for_update=True)
            if reply is None or reply.is_finished or reply.attempt != attempt:
                return
            give_back = reply.fail(error=reason, now=self.clock.now(), reason=finish)
            await uow.messages.update(reply)
            if give_back:
                await give_back_message(uow, reply)
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
            suggestion = (
                (await self.model.suggest_title(turns, self.models.title_writer)).strip().strip("\"'*#").strip()
            )
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


def _came_to_nothing(reply: ContextMessage) -> bool:
    """A reply that failed, or ended without a word (stopped before its first chunk)."""
    return reply.status is MessageStatus.FAILED or (reply.is_finished and not reply.content)
