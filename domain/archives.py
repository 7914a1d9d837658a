"""What an export archive holds, and how imported conversations become chats.

An archive is ``manifest.json``, ``chatrooms.jsonl`` (one chat a line),
``messages.jsonl`` (one message a line, every branch, parents before children) and
``files/<attachment id>`` (the bytes each message carried). Imports read it back, or a
ChatGPT ``conversations.json``, into ``ImportedChat``s; ``imported_messages`` turns one
into messages that keep our conversation rules (a reply follows a question; a question
follows a reply or starts the chat), whatever the file said.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from domain.chat import (
    DEFAULT_CHATROOM_TITLE,
    FINISHED,
    MAX_TITLE_LENGTH,
    Chatroom,
    FinishReason,
    Message,
    MessageRole,
    MessageStatus,
)
from domain.errors import ValidationError
from domain.instructions import MAX_CHAT_INSTRUCTION_LENGTH
from domain.uploads import MAX_ATTACHMENTS, Attachment

ARCHIVE_FORMAT = "gemini-chat-backend.export"
ARCHIVE_VERSION = 1
MANIFEST = "manifest.json"
CHATROOMS = "chatrooms.jsonl"
MESSAGES = "messages.jsonl"
# One import at most: what a heavy user's years of chats come to, and what one
# transaction writes comfortably.
MAX_IMPORTED_CHATS = 2_000
MAX_IMPORTED_MESSAGES = 100_000
# A model's answer can be long; anything longer than this is not a chat message.
MAX_IMPORTED_TEXT = 200_000


def file_path(attachment_id: str) -> str:
    return f"files/{attachment_id}"


def manifest(*, exported_at: datetime, chatrooms: int, messages: int) -> dict[str, Any]:
    return {
        "format": ARCHIVE_FORMAT,
        "version": ARCHIVE_VERSION,
        "exported_at": exported_at.isoformat(),
        "chatrooms": chatrooms,
        "messages": messages,
    }


def chatroom_record(chatroom: Chatroom) -> dict[str, Any]:
    return {
        "id": chatroom.id,
        "title": chatroom.title,
        "created_at": chatroom.created_at.isoformat(),
        "updated_at": chatroom.updated_at.isoformat(),
        "model": chatroom.model,
        "system_instruction": chatroom.system_instruction,
        "temperature": chatroom.temperature,
        "pinned": chatroom.pinned,
        "archived": chatroom.archived,
        "active_leaf_id": chatroom.active_leaf_id,
    }


def message_record(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "chatroom_id": message.chatroom_id,
        "parent_id": message.parent_id,
        "role": message.role.value,
        "content": message.content,
        "status": message.status.value,
        "finish_reason": message.finish_reason.value if message.finish_reason else None,
        "error": message.error,
        "model": message.model,
        "created_at": message.created_at.isoformat(),
        "completed_at": message.completed_at.isoformat() if message.completed_at else None,
        "attachments": [
            {
                "id": a.id,
                "filename": a.filename,
                "kind": a.kind.value,
                "mime_type": a.mime_type,
                "size_bytes": a.size_bytes,
                "file": file_path(a.id),
            }
            for a in message.attachments
        ],
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportedFile:
    # Where its bytes are in the archive, and the name it had.
    path: str
    filename: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportedMessage:
    key: str
    parent_key: str | None
    role: MessageRole
    content: str
    created_at: datetime
    model: str | None = None
    status: MessageStatus = MessageStatus.COMPLETED
    finish_reason: FinishReason | None = None
    error: str | None = None
    files: tuple[ImportedFile, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportedChat:
    title: str
    created_at: datetime
    messages: Sequence[ImportedMessage]
    # The message the chat was showing (its branch becomes the one shown).
    active_key: str | None = None
    system_instruction: str = ""
    pinned: bool = False
    archived: bool = False


def _invalid(reason: str) -> ValidationError:
    return ValidationError.for_field("file", reason)


def _text(value: Any, limit: int = MAX_IMPORTED_TEXT) -> str:
    return value.replace("\x00", "")[:limit] if isinstance(value, str) else ""


def _title(value: Any) -> str:
    title = " ".join(_text(value).split())[:MAX_TITLE_LENGTH]
    return title or DEFAULT_CHATROOM_TITLE


def _time(value: Any, default: datetime) -> datetime:
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        pass
    return default


def _enum(kind: Callable[[str], Any], value: Any) -> Any:
    try:
        return kind(value) if isinstance(value, str) else None
    except ValueError:
        return None


def chats_from_archive(
    manifest_record: Any, chatrooms: Iterable[Any], messages: Iterable[Any], *, now: datetime
) -> list[ImportedChat]:
    """Our own archive's chats (its records as JSON values)."""
    if not isinstance(manifest_record, dict) or manifest_record.get("format") != ARCHIVE_FORMAT:
        raise _invalid("is not an export of this service (manifest.json is missing or foreign)")
    if manifest_record.get("version") != ARCHIVE_VERSION:
        raise _invalid(f"is an export of version {manifest_record.get('version')!r}; this service reads version 1")
    by_room: dict[str, list[ImportedMessage]] = {}
    for record in messages:
        if not isinstance(record, dict) or not isinstance(record.get("id"), str):
            continue
        role = _enum(MessageRole, record.get("role"))
        if role is None:
            continue
        files = tuple(
            ImportedFile(path=str(a["file"]), filename=_text(a.get("filename"), 255) or "file")
            for a in record.get("attachments") or ()
            if isinstance(a, dict) and isinstance(a.get("file"), str)
        )
        parent = record.get("parent_id")
        by_room.setdefault(str(record.get("chatroom_id")), []).append(
            ImportedMessage(
                key=record["id"],
                parent_key=parent if isinstance(parent, str) else None,
                role=role,
                content=_text(record.get("content")),
                created_at=_time(record.get("created_at"), now),
                model=_text(record.get("model"), 200) or None,
                status=_enum(MessageStatus, record.get("status")) or MessageStatus.COMPLETED,
                finish_reason=_enum(FinishReason, record.get("finish_reason")),
                error=_text(record.get("error"), 2000) or None,
                files=files,
            )
        )
    chats = []
    for record in chatrooms:
        if not isinstance(record, dict):
            continue
        leaf = record.get("active_leaf_id")
        chats.append(
            ImportedChat(
                title=_title(record.get("title")),
                created_at=_time(record.get("created_at"), now),
                messages=by_room.get(str(record.get("id")), []),
                active_key=leaf if isinstance(leaf, str) else None,
                system_instruction=_text(record.get("system_instruction"), MAX_CHAT_INSTRUCTION_LENGTH).strip(),
                pinned=record.get("pinned") is True,
                archived=record.get("archived") is True,
            )
        )
    return _within_limits(chats)


def chats_from_chatgpt(conversations: Any, *, now: datetime) -> list[ImportedChat]:
    """ChatGPT's ``conversations.json``: a list of conversations, each a tree of nodes
    (``mapping``) whose messages have an author role and content parts. System and tool
    messages, and the hidden ones, are left out; images ChatGPT kept are named, not
    carried (the file holds only a pointer to them)."""
    if not isinstance(conversations, list):
        raise _invalid("is not a ChatGPT conversations.json (a list of conversations)")
    chats = []
    for conversation in conversations:
        if not isinstance(conversation, dict) or not isinstance(conversation.get("mapping"), dict):
            continue
        started = _time(conversation.get("create_time"), now)
        messages = []
        for key, node in conversation["mapping"].items():
            message = _chatgpt_message(str(key), node, started)
            if message is not None:
                messages.append(message)
        current = conversation.get("current_node")
        chats.append(
            ImportedChat(
                title=_title(conversation.get("title")),
                created_at=started,
                messages=_with_parents(messages, conversation["mapping"]),
                active_key=current if isinstance(current, str) else None,
                archived=conversation.get("is_archived") is True,
            )
        )
    return _within_limits(chats)


_CHATGPT_ROLES = {"user": MessageRole.USER, "assistant": MessageRole.MODEL}


def _chatgpt_message(key: str, node: Any, started: datetime) -> ImportedMessage | None:
    message = node.get("message") if isinstance(node, dict) else None
    if not isinstance(message, dict):
        return None
    author = message.get("author")
    role = _CHATGPT_ROLES.get(str(author.get("role"))) if isinstance(author, dict) else None
    metadata = message.get("metadata") or {}
    if role is None or not isinstance(metadata, dict) or metadata.get("is_visually_hidden_from_conversation"):
        return None
    content = message.get("content") or {}
    parts = content.get("parts") if isinstance(content, dict) else None
    if isinstance(parts, list):
        text = "\n\n".join(
            part if isinstance(part, str) else "[an image that was not exported]"
            for part in parts
            if isinstance(part, str | dict)
        )
    else:
        text = content.get("text", "") if isinstance(content, dict) else ""
    text = _text(text).strip()
    if not text:
        return None
    return ImportedMessage(
        key=key,
        parent_key=node.get("parent") if isinstance(node.get("parent"), str) else None,
        role=role,
        content=text,
        created_at=_time(message.get("create_time"), started),
        model=_text(metadata.get("model_slug"), 200) or None,
    )


def _with_parents(messages: list[ImportedMessage], mapping: Mapping[str, Any]) -> list[ImportedMessage]:
    """Each kept message re-attached to its nearest kept ancestor (the ones between were
    system or tool messages)."""
    kept = {m.key for m in messages}

    def nearest_kept(key: str | None) -> str | None:
        seen = set()
        while key is not None and key not in kept and key not in seen:
            seen.add(key)
            node = mapping.get(key)
            parent = node.get("parent") if isinstance(node, dict) else None
            key = parent if isinstance(parent, str) else None
        return key if key in kept else None

    return [replace(m, parent_key=nearest_kept(m.parent_key)) for m in messages]


def _within_limits(chats: list[ImportedChat]) -> list[ImportedChat]:
    if len(chats) > MAX_IMPORTED_CHATS:
        raise _invalid(f"holds {len(chats)} chats; one import takes at most {MAX_IMPORTED_CHATS}")
    total = sum(len(chat.messages) for chat in chats)
    if total > MAX_IMPORTED_MESSAGES:
        raise _invalid(f"holds {total} messages; one import takes at most {MAX_IMPORTED_MESSAGES}")
    return chats


def imported_messages(
    chat: ImportedChat,
    *,
    chatroom_id: str,
    new_id: Callable[[], str],
    files: Mapping[str, Attachment],
    now: datetime,
) -> tuple[list[Message], str | None]:
    """The chat's messages, parents before children, and the leaf of the branch to show.

    A reply with no question before it is left out (what follows it stays); a question
    following a question becomes another version of it; a reply following a reply
    continues it. A reply that was still being written is kept as stopped. ``files``
    maps an archive path to the attachment made of its bytes (missing ones are named in
    the text instead)."""
    children: dict[str | None, list[ImportedMessage]] = {}
    keys = {m.key for m in chat.messages}
    for m in chat.messages:
        parent_key = m.parent_key if m.parent_key in keys and m.parent_key != m.key else None
        children.setdefault(parent_key, []).append(m)
    for siblings in children.values():
        siblings.sort(key=lambda m: m.created_at)
    made: dict[str, Message] = {}
    out: list[Message] = []
    stack: list[tuple[ImportedMessage, Message | None]] = [(m, None) for m in reversed(children.get(None, []))]
    while stack:
        source, parent = stack.pop()
        message = _message(source, parent, chatroom_id=chatroom_id, id=new_id(), files=files, now=now)
        if message is not None:
            made[source.key] = message
            out.append(message)
        # What follows a reply left out (no question before it) follows what it followed.
        stack.extend((child, message or parent) for child in reversed(children.get(source.key, [])))
    leaf = made.get(chat.active_key or "")
    if leaf is None and out:
        leaf = max(out, key=lambda m: m.created_at)
    return out, _deepest_from(leaf, out) if leaf is not None else None


def _message(
    source: ImportedMessage,
    parent: Message | None,
    *,
    chatroom_id: str,
    id: str,
    files: Mapping[str, Attachment],
    now: datetime,
) -> Message | None:
    if source.role is MessageRole.USER:
        # A question follows a reply; after a question it is that question's sibling.
        after = parent.id if parent is not None and parent.role is MessageRole.MODEL else None
        if parent is not None and parent.role is MessageRole.USER:
            after = parent.parent_id
        attachments = tuple(files[f.path] for f in source.files if f.path in files)
        missing = [f.filename for f in source.files if f.path not in files]
        note = f"[Sent with {', '.join(missing)}; the file was not in the import]" if missing else ""
        return Message(
            id=id,
            chatroom_id=chatroom_id,
            role=MessageRole.USER,
            content="\n\n".join(part for part in (source.content, note) if part) or "…",
            status=MessageStatus.COMPLETED,
            created_at=source.created_at,
            completed_at=source.created_at,
            parent_id=after,
            attachments=attachments[:MAX_ATTACHMENTS],
        )
    if parent is None:
        return None
    finished = source.status in FINISHED
    return Message(
        id=id,
        chatroom_id=chatroom_id,
        role=MessageRole.MODEL,
        content=source.content,
        status=source.status if finished else MessageStatus.CANCELLED,
        created_at=source.created_at,
        completed_at=source.created_at if finished else now,
        error=source.error if source.status is MessageStatus.FAILED else None,
        reply_to=parent.id if parent.role is MessageRole.USER else parent.reply_to,
        parent_id=parent.id,
        model=source.model,
        finish_reason=(source.finish_reason or FinishReason.STOP) if finished else FinishReason.CANCELLED,
        # Nothing was counted for it: there is nothing to give back, ever.
        refunded=True,
    )


def _deepest_from(leaf: Message, messages: Sequence[Message]) -> str:
    """The active branch ends at a leaf: from ``leaf``, follow the newest child down."""
    children: dict[str, list[Message]] = {}
    for m in messages:
        if m.parent_id is not None:
            children.setdefault(m.parent_id, []).append(m)
    current = leaf
    while children.get(current.id):
        current = max(children[current.id], key=lambda m: m.created_at)
    return current.id
