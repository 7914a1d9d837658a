"""Chatrooms and their messages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

from application.use_cases.get_chatroom import ChatroomWithMessages
from domain.chat import Chatroom, Message, TokenUsage
from entrypoints.http.schemas.common import TitleField


class CreateChatroomRequest(Struct):
    title: TitleField | None = None
    # Accepted as an alias of ``title``; ``title`` wins when both are given.
    name: TitleField | None = None


class RenameChatroomRequest(Struct):
    title: TitleField


class ChatroomResponse(Struct):
    id: str
    title: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, chatroom: Chatroom) -> ChatroomResponse:
        return cls(id=chatroom.id, title=chatroom.title, created_at=chatroom.created_at, updated_at=chatroom.updated_at)


class ChatroomListResponse(Struct):
    items: list[ChatroomResponse]
    next_cursor: str | None


class UsageTokens(Struct):
    prompt_tokens: int
    response_tokens: int
    total_tokens: int

    @classmethod
    def from_domain(cls, usage: TokenUsage | None) -> UsageTokens | None:
        if usage is None:
            return None
        return cls(
            prompt_tokens=usage.prompt_tokens, response_tokens=usage.response_tokens, total_tokens=usage.total_tokens
        )


class MessageBody(Struct):
    id: str
    chatroom_id: str
    role: Literal["user", "model"]
    content: str
    status: Literal["pending", "streaming", "completed", "failed"]
    error: str | None
    created_at: datetime
    completed_at: datetime | None
    usage: UsageTokens | None

    @classmethod
    def from_domain(cls, message: Message) -> MessageBody:
        return cls(
            id=message.id,
            chatroom_id=message.chatroom_id,
            role=message.role.value,
            content=message.content,
            status=message.status.value,
            error=message.error,
            created_at=message.created_at,
            completed_at=message.completed_at,
            usage=UsageTokens.from_domain(message.usage),
        )


class ChatroomDetailResponse(Struct):
    id: str
    title: str
    created_at: datetime
    updated_at: datetime
    messages: list[MessageBody]

    @classmethod
    def from_domain(cls, found: ChatroomWithMessages) -> ChatroomDetailResponse:
        room = found.chatroom
        return cls(
            id=room.id,
            title=room.title,
            created_at=room.created_at,
            updated_at=room.updated_at,
            messages=[MessageBody.from_domain(m) for m in found.messages],
        )


class SendMessageRequest(Struct):
    # The domain trims and checks length; this cap only refuses absurd bodies early.
    content: Annotated[str, Meta(max_length=100_000, examples=["What is the capital of France?"])]


class SendMessageResponse(Struct):
    message: MessageBody
    reply: MessageBody


class MessageListResponse(Struct):
    items: list[MessageBody]
    next_cursor: str | None


# Subscriptions
