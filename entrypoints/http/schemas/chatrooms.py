"""Chatrooms and their messages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from msgspec import UNSET, Meta, Struct, UnsetType

from application.use_cases.get_chatroom import ChatroomWithMessages
from application.use_cases.get_model_choices import ModelChoices
from domain.chat import Chatroom, Feedback, PlacedMessage, TokenUsage
from domain.instructions import MAX_CHAT_INSTRUCTION_LENGTH, MAX_TEMPERATURE, MIN_TEMPERATURE
from domain.uploads import MAX_ATTACHMENTS, Attachment
from entrypoints.http.schemas.common import TitleField
from entrypoints.http.schemas.models import ModelId

ChatInstruction = Annotated[
    str,
    Meta(
        max_length=MAX_CHAT_INSTRUCTION_LENGTH,
        description=f"What the model is told for this chat only; at most {MAX_CHAT_INSTRUCTION_LENGTH} characters",
        examples=["Answer as a travel agent who knows Goa well."],
    ),
]
Temperature = Annotated[
    float,
    Meta(
        ge=MIN_TEMPERATURE,
        le=MAX_TEMPERATURE,
        description="How freely the model answers, 0 to 2; null for the deployment's default",
    ),
]


class CreateChatroomRequest(Struct):
    title: TitleField | None = None
    # Accepted as an alias of ``title``; ``title`` wins when both are given.
    name: TitleField | None = None
    # Start from a gem: its instructions, and its temperature unless one is given here.
    gem_id: UUID | None = None
    system_instruction: ChatInstruction | UnsetType = UNSET
    temperature: Temperature | UnsetType | None = UNSET
    # A model of your plan (GET /models); null: your plan's default. Unsent: the gem's.
    model: ModelId | UnsetType | None = UNSET
    # Never listed, and deleted with its files a day after its last message.
    temporary: bool = False


class UpdateChatroomRequest(Struct):
    # Any of them: a new title, the branch to show (any message of it), how the model
    # answers here.
    title: TitleField | UnsetType = UNSET
    active_leaf_id: UUID | UnsetType = UNSET
    system_instruction: ChatInstruction | UnsetType = UNSET
    temperature: Temperature | UnsetType | None = UNSET
    model: ModelId | UnsetType | None = UNSET
    # On top of the list; out of the list (GET /chatroom?archived=true shows them).
    pinned: bool | UnsetType = UNSET
    archived: bool | UnsetType = UNSET


def _model_fields(chatroom: Chatroom, choices: ModelChoices) -> dict[str, Any]:
    """Which model the chat chose, which one answers it now, and why they differ."""
    return {
        "model": chatroom.model,
        "effective_model": choices.effective(chatroom.model).id,
        "model_notice": choices.notice(chatroom.model),
    }


class ChatroomResponse(Struct):
    id: str
    title: str
    created_at: datetime
    updated_at: datetime
    # The newest message of the branch shown; null while the room is empty.
    active_leaf_id: str | None
    system_instruction: str
    # Null: the deployment's default.
    temperature: float | None
    # The instructions of the gem the chat was started from, as they were then.
    gem_instructions: str
    # The model chosen for this chat; null: your plan's default.
    model: str | None
    # The model answering it now: the chosen one while your plan has it, else your
    # plan's default.
    effective_model: str
    # Why the two differ, in words to show (null when they do not).
    model_notice: str | None
    pinned: bool
    archived: bool
    # Never listed; deleted with its files a day after its last message.
    temporary: bool

    @classmethod
    def from_domain(cls, chatroom: Chatroom, choices: ModelChoices) -> ChatroomResponse:
        return cls(
            id=chatroom.id,
            title=chatroom.title,
            created_at=chatroom.created_at,
            updated_at=chatroom.updated_at,
            active_leaf_id=chatroom.active_leaf_id,
            system_instruction=chatroom.system_instruction,
            temperature=chatroom.temperature,
            gem_instructions=chatroom.gem_instructions,
            **_model_fields(chatroom, choices),
            pinned=chatroom.pinned,
            archived=chatroom.archived,
            temporary=chatroom.temporary,
        )


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


class FeedbackBody(Struct):
    rating: Literal["up", "down"]
    comment: str | None

    @classmethod
    def from_domain(cls, feedback: Feedback | None) -> FeedbackBody | None:
        return None if feedback is None else cls(rating=feedback.rating.value, comment=feedback.comment)


class AttachmentBody(Struct):
    """A file a message carries; its bytes are at GET /uploads/{id}."""

    id: str
    filename: str
    kind: Literal["image", "pdf", "text"]
    mime_type: str
    size_bytes: int
    width: int | None
    height: int | None
    pages: int | None

    @classmethod
    def from_domain(cls, attachment: Attachment) -> AttachmentBody:
        return cls(
            id=attachment.id,
            filename=attachment.filename,
            kind=attachment.kind.value,
            mime_type=attachment.mime_type,
            size_bytes=attachment.size_bytes,
            width=attachment.width,
            height=attachment.height,
            pages=attachment.pages,
        )


class MessageBody(Struct):
    id: str
    chatroom_id: str
    role: Literal["user", "model"]
    content: str
    status: Literal["pending", "streaming", "completed", "failed", "cancelled"]
    error: str | None
    created_at: datetime
    completed_at: datetime | None
    usage: UsageTokens | None
    # The message this one follows (null for the first); its versions share it.
    parent_id: str | None
    # This message among its versions, oldest first: "‹ sibling_index + 1 / sibling_count ›".
    sibling_index: int
    sibling_count: int
    previous_sibling_id: str | None
    next_sibling_id: str | None
    # Why a reply ended; null for user messages and replies still being written.
    finish_reason: Literal["stop", "length", "safety", "cancelled", "error"] | None
    # The model that wrote a reply; null for user messages and replies not yet started.
    model: str | None
    feedback: FeedbackBody | None
    # The files sent with a user message, in the order sent; empty for replies.
    attachments: list[AttachmentBody]

    @classmethod
    def from_domain(cls, placed: PlacedMessage) -> MessageBody:
        message, placement = placed.message, placed.placement
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
            parent_id=message.parent_id,
            sibling_index=placement.index,
            sibling_count=placement.count,
            previous_sibling_id=placement.previous_id,
            next_sibling_id=placement.next_id,
            finish_reason=message.finish_reason.value if message.finish_reason else None,
            model=message.model,
            feedback=FeedbackBody.from_domain(message.feedback),
            attachments=[AttachmentBody.from_domain(a) for a in message.attachments],
        )


class ChatroomDetailResponse(Struct):
    id: str
    title: str
    created_at: datetime
    updated_at: datetime
    active_leaf_id: str | None
    system_instruction: str
    temperature: float | None
    gem_instructions: str
    model: str | None
    effective_model: str
    model_notice: str | None
    pinned: bool
    archived: bool
    temporary: bool
    messages: list[MessageBody]

    @classmethod
    def from_domain(cls, found: ChatroomWithMessages, choices: ModelChoices) -> ChatroomDetailResponse:
        room = found.chatroom
        return cls(
            id=room.id,
            title=room.title,
            created_at=room.created_at,
            updated_at=room.updated_at,
            active_leaf_id=room.active_leaf_id,
            system_instruction=room.system_instruction,
            temperature=room.temperature,
            gem_instructions=room.gem_instructions,
            **_model_fields(room, choices),
            pinned=room.pinned,
            archived=room.archived,
            temporary=room.temporary,
            messages=[MessageBody.from_domain(m) for m in found.messages],
        )


class SendMessageRequest(Struct):
    # The domain trims and checks length; this cap only refuses absurd bodies early.
    # Empty only with attachments.
    content: Annotated[str, Meta(max_length=100_000, examples=["What is the capital of France?"])] = ""
    # Uploads (POST /uploads) to send with the message, in order; at most 10.
    attachment_ids: Annotated[list[UUID], Meta(max_length=MAX_ATTACHMENTS)] = []
    # Absent: the message continues the branch shown. A reply's id: the message follows
    # that reply (another than the branch's end makes a new version: an edit). null:
    # a new version of the first message.
    parent_id: UUID | UnsetType | None = UNSET


class SendMessageResponse(Struct):
    message: MessageBody
    reply: MessageBody


class ReplyResponse(Struct):
    reply: MessageBody


class FeedbackRequest(Struct):
    rating: Literal["up", "down"]
    # The domain trims and checks length; this cap only refuses absurd bodies early.
    comment: Annotated[str, Meta(max_length=20_000)] | None = None


class ForkRequest(Struct):
    # The copy holds the branch from the first message down to this reply.
    message_id: UUID


class MessageListResponse(Struct):
    items: list[MessageBody]
    next_cursor: str | None


# Subscriptions
