"""Messages and replies."""

from __future__ import annotations

import operator
import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import TextClause, and_, bindparam, func, literal_column, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres import tables as t
from adapters.postgres.repository import DriverStatement, PostgresRepository, uuid_str
from domain.chat import (
    ContextMessage,
    Feedback,
    FinishReason,
    Message,
    MessageRole,
    MessageStatus,
    PlacedMessage,
    Placement,
    Rating,
    TokenUsage,
)
from domain.uploads import Attachment, UploadKind


def _message(row: Any) -> Message:
    """A message from a row whose first columns are _READ's. Unpacked by position: a
    reply's context reads a hundred rows, and reading each column by name was most of
    the CPU of that read (py-spy)."""
    (
        id_,
        chatroom_id,
        role,
        content,
        status,
        created_at,
        completed_at,
        error,
        prompt_tokens,
        response_tokens,
        reply_to,
        attempt,
        lease_until,
        refunded,
        parent_id,
        finish_reason,
        model,
        feedback_rating,
        feedback_comment,
        attachments,
    ) = _FIELDS(row)
    return Message(
        id=str(id_),
        chatroom_id=str(chatroom_id),
        role=_ROLES[role],
        content=content,
        status=_STATUSES[status],
        created_at=created_at,
        completed_at=completed_at,
        error=error,
        usage=None
        if prompt_tokens is None or response_tokens is None
        else TokenUsage(prompt_tokens=prompt_tokens, response_tokens=response_tokens),
        reply_to=None if reply_to is None else str(reply_to),
        attempt=attempt,
        lease_until=lease_until,
        refunded=refunded,
        parent_id=None if parent_id is None else str(parent_id),
        finish_reason=FinishReason(finish_reason) if finish_reason else None,
        model=model,
        feedback=Feedback(Rating(feedback_rating), feedback_comment) if feedback_rating else None,
        attachments=tuple(_attachment(item) for item in attachments) if attachments else (),
    )


# Looked up, not constructed: an enum's constructor was a tenth of a context's rows.
_ROLES = {role.value: role for role in MessageRole}
_STATUSES = {status.value: status for status in MessageStatus}


def _attachment(item: dict[str, Any]) -> Attachment:
    return Attachment(
        id=item["id"],
        owner_id=item["owner_id"],
        filename=item["filename"],
        kind=UploadKind(item["kind"]),
        mime_type=item["mime_type"],
        size_bytes=item["size_bytes"],
        sha256=item["sha256"],
        width=item.get("width"),
        height=item.get("height"),
        pages=item.get("pages"),
    )


def _attachment_item(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "owner_id": attachment.owner_id,
        "filename": attachment.filename,
        "kind": attachment.kind.value,
        "mime_type": attachment.mime_type,
        "size_bytes": attachment.size_bytes,
        "sha256": attachment.sha256,
        "width": attachment.width,
        "height": attachment.height,
        "pages": attachment.pages,
    }


def _message_values(message: Message) -> dict[str, Any]:
    return {
        "content": message.content,
        "status": message.status.value,
        "completed_at": message.completed_at,
        "error": message.error,
        "prompt_tokens": message.usage.prompt_tokens if message.usage else None,
        "response_tokens": message.usage.response_tokens if message.usage else None,
        "attempt": message.attempt,
        "lease_until": message.lease_until,
        "refunded": message.refunded,
        "finish_reason": message.finish_reason.value if message.finish_reason else None,
        "model": message.model,
        "feedback_rating": message.feedback.rating.value if message.feedback else None,
        "feedback_comment": message.feedback.comment if message.feedback else None,
    }


def _row(message: Message) -> dict[str, Any]:
    return {
        "id": uuid.UUID(message.id),
        "chatroom_id": uuid.UUID(message.chatroom_id),
        "role": message.role.value,
        "created_at": message.created_at,
        "reply_to": uuid.UUID(message.reply_to) if message.reply_to else None,
        "parent_id": uuid.UUID(message.parent_id) if message.parent_id else None,
        "attachments": [_attachment_item(a) for a in message.attachments],
        **_message_values(message),
    }


def _driver_row(message: Message) -> dict[str, Any]:
    """``_row`` as the driver takes it: JSON as text."""
    row = _row(message)
    row["attachments"] = msgspec.json.encode(row["attachments"]).decode()
    return row


def _links(messages: Sequence[Message]) -> list[dict[str, Any]]:
    return [{"message_id": uuid.UUID(m.id), "upload_id": uuid.UUID(a.id)} for m in messages for a in m.attachments]


# Rows per INSERT when copying a conversation: well under PostgreSQL's 32,767
# parameters a statement, at some 20 a row.
_BATCH = 1000
# Up to so many (a send's question and its reply): one execution each of the statement
# made once, all in a single round trip. More (a copied conversation): INSERTs of
# _BATCH rows, a statement each.
_FEW = 16

# Made once: a send adds two messages, and building the statement with its values
# each time was a tenth of the API's CPU per send (py-spy). The statements every send
# and every reply runs go on the driver (DriverStatement).
_INSERT = insert(t.messages)

# Far deeper than any conversation; a bound on the walk whatever the data says.
_MAX_DEPTH = 10_000_000
# More characters than any conversation holds (PostgreSQL's bigint).
_NO_BOUND = 2**62

# A message as read: everything but its search vector and its room's owner.
_READ = [column for column in t.messages.c if column.name not in {"search", "owner_id"}]
_NAMES = [column.name for column in _READ]
# The columns _message reads, in its order, by their place in _READ.
_FIELDS = operator.itemgetter(
    *(
        _NAMES.index(name)
        for name in (
            "id",
            "chatroom_id",
            "role",
            "content",
            "status",
            "created_at",
            "completed_at",
            "error",
            "prompt_tokens",
            "response_tokens",
            "reply_to",
            "attempt",
            "lease_until",
            "refunded",
            "parent_id",
            "finish_reason",
            "model",
            "feedback_rating",
            "feedback_comment",
            "attachments",
        )
    )
)
# Made once, like _INSERT: a reply is read under lock and updated twice or more, and an
# update built with its dozen values each time cost more CPU than its round trip.
_GET = select(*_READ).where(t.messages.c.id == bindparam("key"))
_GET_ONE = DriverStatement(_GET)
_GET_LOCKED = DriverStatement(_GET.with_for_update())
_GET_IN_ROOM = DriverStatement(_GET.where(t.messages.c.chatroom_id == bindparam("room")))
_OWNER_OF_ROOM = select(t.chatrooms.c.owner_id).where(t.chatrooms.c.id == bindparam("chatroom_id")).scalar_subquery()
_ADD = DriverStatement(_INSERT.values({**{name: bindparam(name) for name in _NAMES}, "owner_id": _OWNER_OF_ROOM}))
# What an update may change (_message_values): all but what a message is born with.
_CHANGING = [
    name
    for name in _NAMES
    if name not in {"id", "chatroom_id", "role", "created_at", "reply_to", "parent_id", "attachments"}
]
_UPDATE = DriverStatement(
    update(t.messages).where(t.messages.c.id == bindparam("key")).values({name: bindparam(name) for name in _CHANGING})
)
# Read through the owner's entries of a small partial index: the statuses written into
# the text, so the planner sees it is the index's condition. (Through the rooms' owners
# it read every user's replies in flight: 1.3 ms of PostgreSQL's CPU a send under
# load, pg_stat_statements.)
_UNFINISHED_OF_OWNER = DriverStatement(
    select(func.count())
    .select_from(t.messages)
    .where(t.messages.c.status.in_([literal_column("'pending'"), literal_column("'streaming'")]))
    .where(t.messages.c.owner_id == bindparam("owner"))
)


# How a walk returns some columns: ids as text and no attachments as NULL, which asyncpg
# hands over without a Python call (a UUID made into a string, and the JSON decoder
# called for "[]", were a fifth of a full context's CPU, py-spy).
_AS_READ = {
    "id": "id::text",
    "chatroom_id": "chatroom_id::text",
    "parent_id": "parent_id::text",
    "reply_to": "reply_to::text",
    "attachments": "NULLIF(attachments, '[]'::jsonb)",
}


def _walk_up(names: Sequence[str], extra: str = "") -> TextClause:
    """From the message ``:leaf`` up through its parents, columns ``names``, newest
    first. Each step is a primary-key lookup of the parent, and the walk stops after
    ``:steps`` of them, or once the content read holds ``:characters`` characters: a page
    costs the same in a room of any size, and a reply's context is read in one
    statement. Only our own column names are formatted into the text; every value is a
    bound parameter."""
    carried = [*names, *(["parent_id"] if "parent_id" not in names else [])]
    return text(
        f"""
        WITH RECURSIVE branch AS (
            SELECT {", ".join(carried)}, 1 AS depth, char_length(content)::bigint AS read
            FROM messages WHERE id = :leaf AND chatroom_id = :room
            UNION ALL
            SELECT {", ".join("m." + name for name in carried)}, b.depth + 1, b.read + char_length(m.content)::bigint
            FROM branch b JOIN messages m ON m.id = b.parent_id
            WHERE b.depth < :steps AND b.read < :characters
        )
        SELECT {", ".join(_AS_READ.get(name, name) for name in names)}{extra} FROM branch ORDER BY depth
        """  # noqa: S608
    )


_BRANCH = DriverStatement(_walk_up(_NAMES))
# What a context reads of each message (ContextMessage), in its order.
_CONTEXT = DriverStatement(_walk_up(["id", "parent_id", "reply_to", "role", "status", "content", "attachments"]))

# Each message with the ids of its versions (oldest first), read by index from
# (chatroom_id, parent_id, created_at): a page in one statement.
_PLACED_BRANCH = DriverStatement(
    _walk_up(
        _NAMES,
        """, CASE WHEN branch.parent_id IS NULL THEN
            (SELECT array_agg(s.id::text ORDER BY s.created_at, s.id) FROM messages s
             WHERE s.chatroom_id = :room AND s.parent_id IS NULL)
        ELSE
            (SELECT array_agg(s.id::text ORDER BY s.created_at, s.id) FROM messages s
             WHERE s.chatroom_id = :room AND s.parent_id = branch.parent_id)
        END AS versions""",
    )
)

# The versions under each of some parents (``:first``: and the room's first messages),
# oldest first: one statement made once, whatever the number of parents.
_VERSIONS = DriverStatement(
    text(
        """
        SELECT id, parent_id FROM messages
        WHERE chatroom_id = :room AND (parent_id = ANY(CAST(:parents AS uuid[])) OR (:first AND parent_id IS NULL))
        ORDER BY created_at, id
        """
    )
)

_NEWEST_LEAF = text(
    """
    WITH RECURSIVE down(id, depth) AS (
        SELECT id, 0 FROM messages WHERE id = :start AND chatroom_id = :room
        UNION ALL
        SELECT child.id, d.depth + 1 FROM down d CROSS JOIN LATERAL (
            SELECT m.id FROM messages m
            WHERE m.chatroom_id = :room AND m.parent_id = d.id
            ORDER BY m.created_at DESC, m.id DESC LIMIT 1
        ) child
    )
    SELECT id FROM down ORDER BY depth DESC LIMIT 1
    """
)


def _walk(chatroom_id: str, leaf_id: str, *, steps: int, characters: int = _NO_BOUND) -> dict[str, Any]:
    """The parameters of a walk up a branch (_walk_up)."""
    return {"leaf": uuid.UUID(leaf_id), "room": uuid.UUID(chatroom_id), "steps": steps, "characters": characters}


class PostgresMessageRepository(PostgresRepository):
    async def add(self, message: Message) -> None:
        await self.add_all([message])

    async def add_all(self, messages: Sequence[Message]) -> None:
        if not messages:
            return
        if len(messages) <= _FEW:
            await self._execute_many(_ADD, [_driver_row(m) for m in messages])
            if links := _links(messages):
                await self._execute(insert(t.message_attachments).values(links))
            return
        rooms = {uuid.UUID(m.chatroom_id) for m in messages}
        found = await self._execute(select(t.chatrooms.c.id, t.chatrooms.c.owner_id).where(t.chatrooms.c.id.in_(rooms)))
        owners = {room.id: room.owner_id for room in found}
        for start in range(0, len(messages), _BATCH):
            batch = messages[start : start + _BATCH]
            rows = [{**_row(m), "owner_id": owners.get(uuid.UUID(m.chatroom_id))} for m in batch]
            await self._execute(insert(t.messages).values(rows))
            links = _links(batch)
            for first in range(0, len(links), _BATCH):
                await self._execute(insert(t.message_attachments).values(links[first : first + _BATCH]))

    async def get(self, message_id: str, *, for_update: bool = False) -> Message | None:
        rows = await self._fetch(_GET_LOCKED if for_update else _GET_ONE, {"key": uuid.UUID(message_id)})
        return _message(rows[0]) if rows else None

    async def get_in_chatroom(self, chatroom_id: str, message_id: str) -> Message | None:
        parameters = {"key": uuid.UUID(message_id), "room": uuid.UUID(chatroom_id)}
        rows = await self._fetch(_GET_IN_ROOM, parameters)
        return _message(rows[0]) if rows else None

    async def list_branch(self, chatroom_id: str, *, leaf_id: str, limit: int | None) -> Sequence[Message]:
        parameters = _walk(chatroom_id, leaf_id, steps=_MAX_DEPTH if limit is None else limit)
        return [_message(row) for row in await self._fetch(_BRANCH, parameters)]

    async def context_before(
        self, chatroom_id: str, *, leaf_id: str, limit: int, characters: int
    ) -> Sequence[ContextMessage]:
        parameters = _walk(chatroom_id, leaf_id, steps=limit, characters=characters)
        return [
            ContextMessage(
                id_,
                parent_id,
                reply_to,
                _ROLES[role],
                _STATUSES[status],
                content,
                tuple(_attachment(item) for item in attachments) if attachments else (),
            )
            for id_, parent_id, reply_to, role, status, content, attachments in await self._fetch(_CONTEXT, parameters)
        ]

    async def page_of_branch(self, chatroom_id: str, *, leaf_id: str, limit: int) -> Sequence[PlacedMessage]:
        parameters = _walk(chatroom_id, leaf_id, steps=limit)
        return [
            PlacedMessage(message, Placement.among(message.id, row["versions"]))
            for row in await self._fetch(_PLACED_BRANCH, parameters)
            for message in (_message(row),)
        ]

    async def all_in(self, chatroom_id: str) -> Sequence[Message]:
        c = t.messages.c
        query = select(*_READ).where(c.chatroom_id == uuid.UUID(chatroom_id)).order_by(c.created_at, c.id)
        return [_message(row) for row in await self._execute(query)]

    async def versions(self, chatroom_id: str, parent_ids: Collection[str | None]) -> Mapping[str | None, list[str]]:
        found: dict[str | None, list[str]] = {parent: [] for parent in parent_ids}
        if not parent_ids:
            return found
        parameters = {
            "room": uuid.UUID(chatroom_id),
            "parents": [uuid.UUID(p) for p in parent_ids if p is not None],
            "first": None in parent_ids,
        }
        for row in await self._fetch(_VERSIONS, parameters):
            found.setdefault(uuid_str(row[1]), []).append(str(row[0]))
        return found

    async def newest_leaf(self, chatroom_id: str, message_id: str) -> str:
        statement = _NEWEST_LEAF.bindparams(start=uuid.UUID(message_id), room=uuid.UUID(chatroom_id))
        leaf = (await self._execute(statement)).scalar_one_or_none()
        return message_id if leaf is None else str(leaf)

    async def update(self, message: Message) -> None:
        await self._fetch(_UPDATE, {"key": uuid.UUID(message.id), **_message_values(message)})

    async def list_failed_since(self, since: datetime, *, limit: int) -> Sequence[str]:
        c = t.messages.c
        rows = await self._execute(
            select(c.id)
            .where(c.status == "failed")
            .where(c.created_at >= since)
            .order_by(c.created_at, c.id)
            .limit(limit)
        )
        return [str(row.id) for row in rows]

    async def count_unfinished_replies(self, owner_id: str) -> int:
        return int((await self._fetch(_UNFINISHED_OF_OWNER, {"owner": uuid.UUID(owner_id)}))[0][0])

    async def list_stalled(self, *, pending_before: datetime, now: datetime, limit: int) -> Sequence[str]:
        c = t.messages.c
        rows = await self._execute(
            select(c.id)
            .where(c.status.in_(("pending", "streaming")))
            .where(
                or_(
                    and_(c.status == "pending", c.created_at < pending_before),
                    and_(c.status == "streaming", or_(c.lease_until.is_(None), c.lease_until <= now)),
                )
            )
            .order_by(c.created_at, c.id)
            .limit(limit)
        )
        return [str(row.id) for row in rows]
