from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.errors import Conflict, ValidationError

DEFAULT_CHATROOM_TITLE = "New chat"
MAX_TITLE_LENGTH = 120
MAX_CONTENT_LENGTH = 8000


def clean_title(raw: str) -> str:
    title = " ".join(raw.split())
    if not title:
        raise ValidationError.for_field("title", "must not be empty")
    if len(title) > MAX_TITLE_LENGTH:
        raise ValidationError.for_field("title", f"must be at most {MAX_TITLE_LENGTH} characters")
    return title


def clean_content(raw: str) -> str:
    content = raw.strip()
    if not content:
        raise ValidationError.for_field("content", "must not be empty")
    if len(content) > MAX_CONTENT_LENGTH:
        raise ValidationError.for_field("content", f"must be at most {MAX_CONTENT_LENGTH} characters")
    return content


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

    @classmethod
    def open(cls, *, id: str, owner_id: str, title: str | None, now: datetime) -> Chatroom:
        if title is None:
            return cls(id, owner_id, DEFAULT_CHATROOM_TITLE, now, now, untitled=True)
        return cls(id, owner_id, clean_title(title), now, now)

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


class MessageRole(StrEnum):
    USER = "user"
    MODEL = "model"


class MessageStatus(StrEnum):
    PENDING = "pending"
    STREAMING = "streaming"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class TokenUsage:
    prompt_tokens: int
    response_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.response_tokens


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
    # The user message a model reply answers; None for user messages.
    reply_to: str | None = None
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

    @classmethod
    def from_user(cls, *, id: str, chatroom_id: str, content: str, now: datetime) -> Message:
        return cls(
            id=id,
            chatroom_id=chatroom_id,
            role=MessageRole.USER,
            content=clean_content(content),
            status=MessageStatus.COMPLETED,
            created_at=now,
            completed_at=now,
        )

    @classmethod
    def pending_reply(cls, *, id: str, to: Message, now: datetime) -> Message:
        return cls(
            id=id,
            chatroom_id=to.chatroom_id,
            role=MessageRole.MODEL,
            content="",
            status=MessageStatus.PENDING,
            created_at=now,
            reply_to=to.id,
        )

    @property
    def is_finished(self) -> bool:
        return self.status in (MessageStatus.COMPLETED, MessageStatus.FAILED)

    def is_leased(self, now: datetime) -> bool:
        return self.lease_until is not None and now < self.lease_until

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
        self.error = None
        self.completed_at = None
        self.lease_until = None

    def release(self) -> None:
        """Give the lease up early, so a retry need not wait for it to run out."""
        self.lease_until = None

    def complete(self, *, text: str, usage: TokenUsage | None, now: datetime) -> bool:
        """Store the answer. Returns True when an earlier failure had given the message
        back to the quota: the user got an answer after all, so it counts again."""
        if self.is_finished:
            raise Conflict("This reply is already finished.")
        self.content = text
        self.usage = usage
        self.status = MessageStatus.COMPLETED
        self.completed_at = now
        self.lease_until = None
        charge_again, self.refunded = self.refunded, False
        return charge_again

    def fail(self, *, error: str, now: datetime) -> bool:
        """End without an answer. Returns True when the message should go back to the
        quota: the first time this reply fails, never again."""
        if self.is_finished:
            raise Conflict("This reply is already finished.")
        self.error = error
        self.status = MessageStatus.FAILED
        self.completed_at = now
        self.lease_until = None
        give_back, self.refunded = not self.refunded, True
        return give_back
