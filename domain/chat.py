from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from domain.errors import Conflict, ValidationError
from domain.instructions import clean_chat_instruction, clean_temperature
from domain.text import bounded_text, one_line, storable
from domain.uploads import MAX_ATTACHMENTS, Attachment

DEFAULT_CHATROOM_TITLE = "New chat"
# A temporary chat is deleted this long after its last message.
TEMPORARY_CHAT_LIFETIME = timedelta(hours=24)
MAX_TITLE_LENGTH = 120
MAX_CONTENT_LENGTH = 8000


def clean_title(raw: str) -> str:
    return one_line("title", raw, MAX_TITLE_LENGTH)


def clean_content(raw: str, *, attachments: int = 0) -> str:
    """A message may be files alone; otherwise it needs words."""
    return bounded_text("content", raw, MAX_CONTENT_LENGTH, required=not attachments)


@dataclass(slots=True)
class Chatroom:
    id: str
    owner_id: str
    title: str
    created_at: datetime
    updated_at: datetime
    # True until a person or the model names the room; the first exchange of an
    # untitled room asks the model for a title.
    untitled: bool = False
    # The newest message of the branch the user sees; None while the room is empty.
    active_leaf_id: str | None = None
    # What the model is told for this chat only (after the person's standing
    # instructions), and how freely it answers (None: the deployment's default).
    system_instruction: str = ""
    temperature: float | None = None
    # The instructions of the gem the chat was started from, as they were then.
    gem_instructions: str = ""
    # The model chosen for this chat (checked against the owner's plan when chosen);
    # None: the plan's default. What answers is ModelCatalogue.effective of it.
    model: str | None = None
    # Kept on top of the list; out of the list (shown on asking); never listed, and
    # deleted a day after its last message (TEMPORARY_CHAT_LIFETIME).
    pinned: bool = False
    archived: bool = False
    temporary: bool = False

    @classmethod
    def open(
        cls,
        *,
        id: str,
        owner_id: str,
        title: str | None,
        now: datetime,
        system_instruction: str = "",
        temperature: float | None = None,
        gem_instructions: str = "",
        model: str | None = None,
        temporary: bool = False,
    ) -> Chatroom:
        named = title is not None
        chatroom = cls(id, owner_id, clean_title(title) if title is not None else DEFAULT_CHATROOM_TITLE, now, now)
        chatroom.untitled = not named
        chatroom.system_instruction = clean_chat_instruction(system_instruction)
        chatroom.temperature = clean_temperature(temperature)
        chatroom.gem_instructions = gem_instructions
        chatroom.model = model
        chatroom.temporary = temporary
        return chatroom

    def pin(self, pinned: bool) -> None:
        """On top of the list, or not. Where it stands in time does not change."""
        self._listed("pinned")
        self.pinned = pinned
        if pinned:
            self.archived = False

    def archive(self, archived: bool) -> None:
        """Out of the list (an archived chat is not pinned), or back in it."""
        self._listed("archived")
        self.archived = archived
        if archived:
            self.pinned = False

    def _listed(self, field: str) -> None:
        if self.temporary:
            raise ValidationError.for_field(field, "a temporary chat is never listed: it cannot be pinned or archived")

    def choose_model(self, model: str | None, now: datetime) -> None:
        self.model = model
        self.updated_at = now

    def instruct(self, system_instruction: str, now: datetime) -> None:
        self.system_instruction = clean_chat_instruction(system_instruction)
        self.updated_at = now

    def set_temperature(self, temperature: float | None, now: datetime) -> None:
        self.temperature = clean_temperature(temperature)
        self.updated_at = now

    def rename(self, title: str, now: datetime) -> None:
        self.title = clean_title(title)
        self.untitled = False
        self.updated_at = now

    def name_automatically(self, title: str) -> bool:
        """Take a model-suggested title unless somebody named the room meanwhile."""
        if not self.untitled:
            return False
        self.title = clean_title(title[:MAX_TITLE_LENGTH])
        self.untitled = False
        return True

    def touch(self, now: datetime) -> None:
        self.updated_at = max(self.updated_at, now)

    def fork(self, *, id: str, now: datetime) -> Chatroom:
        """An empty room for a copy of this one's conversation."""
        suffix = " (copy)"
        title = self.title[: MAX_TITLE_LENGTH - len(suffix)] + suffix
        return Chatroom(
            id,
            self.owner_id,
            title,
            now,
            now,
            system_instruction=self.system_instruction,
            temperature=self.temperature,
            gem_instructions=self.gem_instructions,
            model=self.model,
        )


class MessageRole(StrEnum):
    USER = "user"
    MODEL = "model"


class MessageStatus(StrEnum):
    PENDING = "pending"
    STREAMING = "streaming"
    COMPLETED = "completed"
    FAILED = "failed"
    # Stopped by the user; what was written so far is kept.
    CANCELLED = "cancelled"


FINISHED = frozenset({MessageStatus.COMPLETED, MessageStatus.FAILED, MessageStatus.CANCELLED})


class FinishReason(StrEnum):
    """Why a reply ended."""

    STOP = "stop"
    # The model's output limit cut the answer short: it can be continued.
    LENGTH = "length"
    SAFETY = "safety"
    CANCELLED = "cancelled"
    ERROR = "error"


class Rating(StrEnum):
    UP = "up"
    DOWN = "down"


MAX_FEEDBACK_COMMENT = 2000


@dataclass(frozen=True, slots=True)
class Feedback:
    """What the user thought of a reply."""

    rating: Rating
    comment: str | None = None

    @classmethod
    def given(cls, rating: Rating, comment: str | None) -> Feedback:
        text = storable("comment", comment or "").strip()
        if len(text) > MAX_FEEDBACK_COMMENT:
            raise ValidationError.for_field("comment", f"must be at most {MAX_FEEDBACK_COMMENT} characters")
        return cls(rating=rating, comment=text or None)


@dataclass(frozen=True, slots=True)
class TokenUsage:
    prompt_tokens: int
    response_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.response_tokens


@dataclass(frozen=True, slots=True)
class ContextMessage:
    """What a model's context reads of a message: who said what, how it ended, and
    where it stands in its branch. Read for every message of a context, every reply,
    so only these (a whole Message row cost several times as much to read)."""

    id: str
    parent_id: str | None
    reply_to: str | None
    role: MessageRole
    status: MessageStatus
    content: str
    attachments: tuple[Attachment, ...] = ()

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED


@dataclass(slots=True)
class Message:
    id: str
    chatroom_id: str
    role: MessageRole
    content: str
    status: MessageStatus
    created_at: datetime
    completed_at: datetime | None = None
    error: str | None = None
    usage: TokenUsage | None = None
    # The user message a model reply answers; None for user messages. A continuation
    # answers the same user message as the reply it continues.
    reply_to: str | None = None
    # The message this one follows in the conversation tree: a user message follows
    # the reply it answers (None for the first), a reply follows the user message it
    # answers (or, for a continuation, the reply it continues). Siblings are versions.
    parent_id: str | None = None
    finish_reason: FinishReason | None = None
    # The model that wrote the reply (its provider's name for it).
    model: str | None = None
    feedback: Feedback | None = None
    # Bumped each time a worker (re)starts generating, so a stream consumer can tell a
    # restarted generation from the continuation of the one it was reading.
    attempt: int = 0
    # While a worker writes the reply it holds a lease; another worker may take the
    # reply over only once the lease has run out (the first worker died or hung).
    lease_until: datetime | None = None
    # The message this reply answers was given back to the daily quota because the reply
    # failed. At most once per reply: a reply retried and failing again gives nothing
    # back twice, and one that then completes is counted again.
    refunded: bool = False
    # The files a user message was sent with, in the order given.
    attachments: tuple[Attachment, ...] = ()

    @classmethod
    def from_user(
        cls,
        *,
        id: str,
        chatroom_id: str,
        content: str,
        now: datetime,
        after: Message | None = None,
        attachments: tuple[Attachment, ...] = (),
    ) -> Message:
        """A user message following ``after`` (a model reply; None starts the conversation)."""
        if after is not None and (after.chatroom_id != chatroom_id or after.role is not MessageRole.MODEL):
            raise ValidationError.for_field("parent_id", "must be a model reply in this chatroom")
        if len(attachments) > MAX_ATTACHMENTS:
            raise ValidationError.for_field("attachment_ids", f"must list at most {MAX_ATTACHMENTS} files")
        if len({a.id for a in attachments}) != len(attachments):
            raise ValidationError.for_field("attachment_ids", "must not list a file twice")
        return cls(
            id=id,
            chatroom_id=chatroom_id,
            role=MessageRole.USER,
            content=clean_content(content, attachments=len(attachments)),
            status=MessageStatus.COMPLETED,
            created_at=now,
            completed_at=now,
            parent_id=after.id if after is not None else None,
            attachments=attachments,
        )

    @classmethod
    def pending_reply(cls, *, id: str, to: Message, now: datetime) -> Message:
        if to.role is not MessageRole.USER:
            raise Conflict("Only a user message can be answered.")
        return cls._waiting(id=id, chatroom_id=to.chatroom_id, answers=to.id, after=to.id, now=now)

    def continuation(self, *, id: str, now: datetime) -> Message:
        """A new reply that goes on where this one, cut off by the model's output limit, stopped."""
        if self.role is not MessageRole.MODEL or self.finish_reason is not FinishReason.LENGTH:
            raise Conflict(
                "Only a reply that ended at the model's output limit (finish_reason length) can be continued."
            )
        return Message._waiting(id=id, chatroom_id=self.chatroom_id, answers=self.reply_to, after=self.id, now=now)

    @classmethod
    def _waiting(cls, *, id: str, chatroom_id: str, answers: str | None, after: str, now: datetime) -> Message:
        """A reply nobody has started writing yet."""
        return cls(
            id=id,
            chatroom_id=chatroom_id,
            role=MessageRole.MODEL,
            content="",
            status=MessageStatus.PENDING,
            created_at=now,
            reply_to=answers,
            parent_id=after,
        )

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def is_continuation(self) -> bool:
        """A reply that follows another reply rather than the user message it answers."""
        return self.role is MessageRole.MODEL and self.parent_id is not None and self.parent_id != self.reply_to

    def is_leased(self, now: datetime) -> bool:
        return self.lease_until is not None and now < self.lease_until

    def rate(self, feedback: Feedback) -> None:
        if self.role is not MessageRole.MODEL:
            raise Conflict("Only a model reply takes feedback.")
        if not self.is_finished:
            raise Conflict("This reply is still being written. Rate it once it has finished.")
        self.feedback = feedback

    def copy_to(
        self, *, chatroom_id: str, id: str, parent_id: str | None, reply_to: str | None, now: datetime
    ) -> Message:
        """This message in another chatroom (a fork). A reply still being written is
        copied as it stands, stopped: nobody will write the copy."""
        copy = replace(
            self,
            id=id,
            chatroom_id=chatroom_id,
            parent_id=parent_id,
            reply_to=reply_to,
            lease_until=None,
            feedback=None,
        )
        if not copy.is_finished:
            copy.status = MessageStatus.CANCELLED
            copy.finish_reason = FinishReason.CANCELLED
            copy.completed_at = now
            copy.refunded = True
        return copy

    def start_generation(self, *, now: datetime, lease: timedelta) -> int:
        """Take the reply for a new attempt; raises Conflict if it is finished or another
        worker's lease is still live."""
        if self.is_finished:
            raise Conflict("This reply is already finished.")
        if self.is_leased(now):
            raise Conflict("Another worker is writing this reply.")
        self.status = MessageStatus.STREAMING
        self.content = ""
        self.attempt += 1
        self.lease_until = now + lease
        return self.attempt

    def retry(self) -> None:
        """Give a failed reply another go (an operator's decision)."""
        if self.status is not MessageStatus.FAILED:
            raise Conflict("Only a failed reply can be retried.")
        self.status = MessageStatus.PENDING
        self.finish_reason = None
        self.error = None
        self.completed_at = None
        self.lease_until = None

    def release(self) -> None:
        """Give the lease up early, so a retry need not wait for it to run out."""
        self.lease_until = None

    def complete(
        self, *, text: str, usage: TokenUsage | None, now: datetime, reason: FinishReason = FinishReason.STOP
    ) -> bool:
        """Store the answer. Returns True when an earlier failure had given the message
        back to the quota: the user got an answer after all, so it counts again."""
        if self.is_finished:
            raise Conflict("This reply is already finished.")
        self.content = text
        self.usage = usage
        self.status = MessageStatus.COMPLETED
        self.finish_reason = reason
        self.completed_at = now
        self.lease_until = None
        charge_again, self.refunded = self.refunded, False
        return charge_again

    def fail(self, *, error: str, now: datetime, reason: FinishReason = FinishReason.ERROR) -> bool:
        """End without an answer. Returns True when the message should go back to the
        quota: the first time this reply fails, never again."""
        if self.is_finished:
            raise Conflict("This reply is already finished.")
        self.error = error
        self.status = MessageStatus.FAILED
        self.finish_reason = reason
        self.completed_at = now
        self.lease_until = None
        give_back, self.refunded = not self.refunded, True
        return give_back

    def cancel(self, *, text: str, usage: TokenUsage | None, now: datetime) -> bool:
        """Stop where the reply is, keeping ``text``. Returns True when the message should
        go back to the quota: nothing was written yet, and it was not given back before."""
        if self.role is not MessageRole.MODEL:
            raise Conflict("Only a reply can be cancelled.")
        if self.is_finished:
            raise Conflict("This reply is already finished.")
        self.content = text
        self.usage = usage
        self.status = MessageStatus.CANCELLED
        self.finish_reason = FinishReason.CANCELLED
        self.completed_at = now
        self.lease_until = None
        give_back = not text and not self.refunded
        self.refunded = self.refunded or give_back
        return give_back


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a message stands among its versions (the messages that follow the same
    parent), oldest first: what a client needs to draw "‹ 2 / 3 ›"."""

    index: int
    count: int
    previous_id: str | None
    next_id: str | None

    @classmethod
    def among(cls, message_id: str, versions: list[str]) -> Placement:
        if message_id not in versions:
            return cls(index=0, count=1, previous_id=None, next_id=None)
        index = versions.index(message_id)
        return cls(
            index=index,
            count=len(versions),
            previous_id=versions[index - 1] if index > 0 else None,
            next_id=versions[index + 1] if index + 1 < len(versions) else None,
        )


@dataclass(frozen=True, slots=True)
class PlacedMessage:
    message: Message
    placement: Placement
