"""Uploaded files' records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from adapters.postgres import tables as t
from adapters.postgres.repository import PostgresRepository, uuid_str
from domain.uploads import Upload, UploadKind


def _upload(row: Any) -> Upload:
    return Upload(
        id=str(row.id),
        owner_id=str(row.owner_id),
        filename=row.filename,
        kind=UploadKind(row.kind),
        mime_type=row.mime_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        created_at=row.created_at,
        width=row.width,
        height=row.height,
        pages=row.pages,
        message_id=uuid_str(row.message_id),
    )


class PostgresUploadRepository(PostgresRepository):
    async def add(self, upload: Upload) -> None:
        await self._execute(
            t.uploads.insert().values(
                id=uuid.UUID(upload.id),
                owner_id=uuid.UUID(upload.owner_id),
                filename=upload.filename,
                kind=upload.kind.value,
                mime_type=upload.mime_type,
                size_bytes=upload.size_bytes,
                sha256=upload.sha256,
                created_at=upload.created_at,
                width=upload.width,
                height=upload.height,
                pages=upload.pages,
                message_id=uuid.UUID(upload.message_id) if upload.message_id else None,
            )
        )

    async def get_owned(self, upload_id: str, owner_id: str) -> Upload | None:
        c = t.uploads.c
        query = select(t.uploads).where(c.id == uuid.UUID(upload_id)).where(c.owner_id == uuid.UUID(owner_id))
        row = (await self._execute(query)).first()
        return None if row is None else _upload(row)

    async def delete(self, upload: Upload) -> None:
        await self._execute(delete(t.uploads).where(t.uploads.c.id == uuid.UUID(upload.id)))

    async def list_unattached(self, *, created_before: datetime, limit: int) -> Sequence[Upload]:
        c = t.uploads.c
        query = (
            select(t.uploads)
            .where(c.message_id.is_(None))
            .where(c.created_at < created_before)
            .order_by(c.created_at, c.id)
            .limit(limit)
        )
        return [_upload(row) for row in await self._execute(query)]
