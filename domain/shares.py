"""Shared chats: a frozen copy of a conversation that anybody with its link can read.

A share is a snapshot, not a window: later messages, renames and deletions in the chat
do not change it. Its id is the secret: 128 random bits. Deleting the share (or the chat,
or the account) makes its link answer "not found" everywhere at once."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.chat import Chatroom, FinishReason, Message, MessageRole, MessageStatus
from domain.errors import ValidationError

# The newest part of a longer conversation is shared.
MAX_SHARED_MESSAGES = 1000
_SHARE_ID = re.compile(r"[A-Za-z0-9_-]{22}")


def new_share_id() -> str:
    """128 random bits, URL-safe: unguessable, so the link is the permission."""
    return secrets.token_urlsafe(16)


def is_share_id(value: str) -> bool:
    return _SHARE_ID.fullmatch(value) is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class SharedMessage:
    role: MessageRole
    content: str
    created_at: datetime
    # The model that wrote a reply.
    model: str | None = None
    # The names of the files sent with it; the files themselves stay their owner's.
    files: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Share:
    id: str
    owner_id: str
    chatroom_id: str
    title: str
    created_at: datetime
    messages: tuple[SharedMessage, ...]

    @classmethod
    def snapshot(cls, *, id: str, chatroom: Chatroom, branch: Sequence[Message], now: datetime) -> Share:
        """``branch`` oldest first, ending where the share ends. Only what was written is
        shared: a reply still being written is left out, and so is a last question with
        no answer (the copy someone makes of it could not go on from there)."""
        written = [m for m in branch if m.role is MessageRole.USER or (m.is_finished and m.content)]
        while written and written[-1].role is MessageRole.USER:
            written.pop()
        kept = written[-MAX_SHARED_MESSAGES:]
        while kept and kept[0].role is not MessageRole.USER:
            kept.pop(0)  # a long chat's share starts with a question, as a chat does
        if not kept:
            raise ValidationError.for_field("up_to_message_id", "there is no answered message to share yet")
        return cls(
            id=id,
            owner_id=chatroom.owner_id,
            chatroom_id=chatroom.id,
            title=chatroom.title,
            created_at=now,
            messages=tuple(_shared(m) for m in kept),
        )


def _shared(message: Message) -> SharedMessage:
    return SharedMessage(
        role=message.role,
        content=message.content,
        created_at=message.created_at,
        model=message.model if message.role is MessageRole.MODEL else None,
        files=tuple(a.filename for a in message.attachments),
    )


def copied_message(
    shared: SharedMessage, *, id: str, chatroom_id: str, after: Message | None, now: datetime
) -> Message:
    """A shared message in the new chat of whoever copies it, following ``after``. Files
    are not copied (they are the sharer's): a message sent with files says which."""
    note = f"[Sent with {', '.join(shared.files)}; files are not copied with a shared chat]" if shared.files else ""
    content = "\n\n".join(part for part in (shared.content, note) if part)
    if shared.role is MessageRole.USER:
        return Message.from_user(id=id, chatroom_id=chatroom_id, content=content, now=now, after=after)
    if after is None:
        raise ValidationError.for_field("share", "a shared chat starts with a question")
    return Message(
        id=id,
        chatroom_id=chatroom_id,
        role=MessageRole.MODEL,
        content=content,
        status=MessageStatus.COMPLETED,
        created_at=now,
        completed_at=now,
        reply_to=after.id if after.role is MessageRole.USER else after.reply_to,
        parent_id=after.id,
        model=shared.model,
        finish_reason=FinishReason.STOP,
    )
