"""Messages and replies."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres import tables as t
from adapters.postgres.repository import PostgresRepository, locked, uuid_str
from application.ports.repositories import Position
from domain.chat import Message, MessageRole, MessageStatus, TokenUsage


def _message(row: Any) -> Message:
    usage = None
    if row.prompt_tokens is not None and row.response_tokens is not None:
        usage = TokenUsage(prompt_tokens=row.prompt_tokens, response_tokens=row.response_tokens)
    return Message(
        id=str(row.id),
        chatroom_id=str(row.chatroom_id),
        role=MessageRole(row.role),
        content=row.content,
        status=MessageStatus(row.status),
        created_at=row.created_at,
        completed_at=row.completed_at,
        error=row.error,
        usage=usage,
        reply_to=uuid_str(row.reply_to),
        attempt=row.attempt,
        lease_until=row.lease_until,
        refunded=row.refunded,
    )


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
    }


class PostgresMessageRepository(PostgresRepository):
    async def add(self, message: Message) -> None:
        await self._execute(
            insert(t.messages).values(
                id=uuid.UUID(message.id),
                chatroom_id=uuid.UUID(message.chatroom_id),
                role=message.role.value,
                created_at=message.created_at,
                reply_to=uuid.UUID(message.reply_to) if message.reply_to else None,
                **_message_values(message),
            )
        )

    async def get(self, message_id: str, *, for_update: bool = False) -> Message | None:
        key = uuid.UUID(message_id)
        query = select(t.messages).where(t.messages.c.id == key)
        row = (await self._execute(locked(query, for_update))).first()
        return None if row is None else _message(row)

    async def get_in_chatroom(self, chatroom_id: str, message_id: str) -> Message | None:
        key, room = uuid.UUID(message_id), uuid.UUID(chatroom_id)
        row = (
            await self._execute(
                select(t.messages).where(t.messages.c.id == key).where(t.messages.c.chatroom_id == room)
            )
        ).first()
        return None if row is None else _message(row)

    async def list_latest(self, chatroom_id: str, *, limit: int, before: Position | None) -> Sequence[Message]:
        c = t.messages.c
        room = uuid.UUID(chatroom_id)
        query = select(t.messages).where(c.chatroom_id == room)
        if before is not None:
            before_id = uuid.UUID(before.id)
            query = query.where(tuple_(c.created_at, c.id) < tuple_(before.at, before_id))
        rows = await self._execute(query.order_by(c.created_at.desc(), c.id.desc()).limit(limit))
        return [_message(row) for row in rows]

    async def update(self, message: Message) -> None:
        await self._execute(
            update(t.messages).where(t.messages.c.id == uuid.UUID(message.id)).values(**_message_values(message))
        )

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
        # Read through the small partial index of unfinished messages, whoever owns them.
        m, rooms = t.messages.c, t.chatrooms
        statement = (
            select(func.count())
            .select_from(t.messages.join(rooms, rooms.c.id == m.chatroom_id))
            .where(m.status.in_(("pending", "streaming")))
            .where(rooms.c.owner_id == uuid.UUID(owner_id))
        )
        return int((await self._execute(statement)).scalar_one())

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
