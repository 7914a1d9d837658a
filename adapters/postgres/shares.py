"""Shared chats: the snapshot is one JSONB document on its row."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from adapters.postgres import tables as t
from adapters.postgres.repository import PostgresRepository
from domain.chat import MessageRole
from domain.shares import Share, SharedMessage


def _share(row: Any) -> Share:
    return Share(
        id=row.id,
        owner_id=str(row.owner_id),
        chatroom_id=str(row.chatroom_id),
        title=row.title,
        created_at=row.created_at,
        messages=tuple(
            SharedMessage(
                role=MessageRole(item["role"]),
                content=item["content"],
                created_at=datetime.fromisoformat(item["created_at"]),
                model=item.get("model"),
                files=tuple(item.get("files", ())),
            )
            for item in row.messages
        ),
    )


def _item(message: SharedMessage) -> dict[str, Any]:
    return {
        "role": message.role.value,
        "content": message.content,
        "created_at": message.created_at.isoformat(),
        "model": message.model,
        "files": list(message.files),
    }


class PostgresShareRepository(PostgresRepository):
    async def add(self, share: Share) -> None:
        await self._execute(
            t.shares.insert().values(
                id=share.id,
                owner_id=uuid.UUID(share.owner_id),
                chatroom_id=uuid.UUID(share.chatroom_id),
                title=share.title,
                created_at=share.created_at,
                messages=[_item(m) for m in share.messages],
            )
        )

    async def get(self, share_id: str) -> Share | None:
        row = (await self._execute(select(t.shares).where(t.shares.c.id == share_id))).first()
        return None if row is None else _share(row)

    async def get_owned(self, share_id: str, owner_id: str) -> Share | None:
        c = t.shares.c
        row = (
            await self._execute(select(t.shares).where(c.id == share_id).where(c.owner_id == uuid.UUID(owner_id)))
        ).first()
        return None if row is None else _share(row)

    async def list_for(self, owner_id: str, *, limit: int) -> Sequence[Share]:
        c = t.shares.c
        query = select(t.shares).where(c.owner_id == uuid.UUID(owner_id)).order_by(c.created_at.desc(), c.id.desc())
        return [_share(row) for row in await self._execute(query.limit(limit))]

    async def delete(self, share: Share) -> None:
        await self._execute(delete(t.shares).where(t.shares.c.id == share.id))
