"""Exports' records (their archives are in the file store)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update

from adapters.postgres import tables as t
from adapters.postgres.repository import PostgresRepository
from domain.exports import Export, ExportStatus

_UNFINISHED = (ExportStatus.PENDING.value, ExportStatus.WRITING.value)


def _export(row: Any) -> Export:
    return Export(
        id=str(row.id),
        owner_id=str(row.owner_id),
        status=ExportStatus(row.status),
        created_at=row.created_at,
        chatrooms_total=row.chatrooms_total,
        chatrooms_done=row.chatrooms_done,
        size_bytes=row.size_bytes,
        finished_at=row.finished_at,
    )


def _values(export: Export) -> dict[str, Any]:
    return {
        "status": export.status.value,
        "chatrooms_total": export.chatrooms_total,
        "chatrooms_done": export.chatrooms_done,
        "size_bytes": export.size_bytes,
        "finished_at": export.finished_at,
    }


class PostgresExportRepository(PostgresRepository):
    async def add(self, export: Export) -> None:
        await self._execute(
            t.exports.insert().values(
                id=uuid.UUID(export.id),
                owner_id=uuid.UUID(export.owner_id),
                created_at=export.created_at,
                **_values(export),
            )
        )

    async def get(self, export_id: str) -> Export | None:
        row = (await self._execute(select(t.exports).where(t.exports.c.id == uuid.UUID(export_id)))).first()
        return None if row is None else _export(row)

    async def get_owned(self, export_id: str, owner_id: str) -> Export | None:
        c = t.exports.c
        query = select(t.exports).where(c.id == uuid.UUID(export_id), c.owner_id == uuid.UUID(owner_id))
        row = (await self._execute(query)).first()
        return None if row is None else _export(row)

    async def unfinished_of(self, owner_id: str) -> Export | None:
        c = t.exports.c
        query = (
            select(t.exports)
            .where(c.owner_id == uuid.UUID(owner_id), c.status.in_(_UNFINISHED))
            .order_by(c.created_at.desc())
            .limit(1)
        )
        row = (await self._execute(query)).first()
        return None if row is None else _export(row)

    async def update(self, export: Export) -> None:
        await self._execute(update(t.exports).where(t.exports.c.id == uuid.UUID(export.id)).values(**_values(export)))

    async def list_expired(self, before: datetime, *, limit: int) -> Sequence[Export]:
        c = t.exports.c
        query = (
            select(t.exports)
            .where(or_(c.finished_at < before, and_(c.finished_at.is_(None), c.created_at < before)))
            .order_by(c.created_at)
            .limit(limit)
        )
        return [_export(row) for row in await self._execute(query)]

    async def delete(self, export: Export) -> None:
        await self._execute(delete(t.exports).where(t.exports.c.id == uuid.UUID(export.id)))
        await self._note_file_deletions([export.storage_key])

    async def delete_all_of(self, owner_id: str) -> Sequence[str]:
        statement = delete(t.exports).where(t.exports.c.owner_id == uuid.UUID(owner_id)).returning(t.exports)
        keys = [_export(row).storage_key for row in await self._execute(statement)]
        await self._note_file_deletions(keys)
        return keys
