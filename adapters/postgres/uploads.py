"""Uploaded files' records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select, update

from adapters.postgres import tables as t
from adapters.postgres.repository import PostgresRepository, locked, uuid_str
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

    async def get_owned(self, upload_id: str, owner_id: str, *, for_update: bool = False) -> Upload | None:
        c = t.uploads.c
        query = select(t.uploads).where(c.id == uuid.UUID(upload_id)).where(c.owner_id == uuid.UUID(owner_id))
        row = (await self._execute(locked(query, for_update))).first()
        return None if row is None else _upload(row)

    async def owned(self, upload_ids: Sequence[str], owner_id: str, *, for_update: bool = False) -> Sequence[Upload]:
        if not upload_ids:
            return []
        c = t.uploads.c
        query = (
            select(t.uploads)
            .where(c.id.in_({uuid.UUID(i) for i in upload_ids}))
            .where(c.owner_id == uuid.UUID(owner_id))
            # One order for every locker: two sends of the same files cannot deadlock.
            .order_by(c.id)
        )
        return [_upload(row) for row in await self._execute(locked(query, for_update))]

    async def mark_sent(self, upload_ids: Sequence[str], message_id: str) -> None:
        if not upload_ids:
            return
        c = t.uploads.c
        await self._execute(
            update(t.uploads)
            .where(c.id.in_([uuid.UUID(i) for i in upload_ids]))
            .where(c.message_id.is_(None))
            .values(message_id=uuid.UUID(message_id))
        )

    async def is_attached(self, upload_id: str) -> bool:
        links = t.message_attachments.c
        query = select(exists().where(links.upload_id == uuid.UUID(upload_id)))
        return bool((await self._execute(query)).scalar_one())

    async def attached_in_chatroom(self, chatroom_id: str) -> Sequence[Upload]:
        links, m = t.message_attachments.c, t.messages.c
        carried = (
            select(links.upload_id)
            .join(t.messages, m.id == links.message_id)
            .where(m.chatroom_id == uuid.UUID(chatroom_id))
        )
        query = select(t.uploads).where(t.uploads.c.id.in_(carried))
        return [_upload(row) for row in await self._execute(query)]

    async def delete_unattached(self, uploads: Sequence[Upload]) -> Sequence[Upload]:
        if not uploads:
            return []
        c, links = t.uploads.c, t.message_attachments.c
        statement = (
            delete(t.uploads)
            .where(c.id.in_([uuid.UUID(u.id) for u in uploads]))
            .where(~exists().where(links.upload_id == c.id))
            .returning(c.id)
        )
        deleted = {str(row.id) for row in await self._execute(statement)}
        gone = [upload for upload in uploads if upload.id in deleted]
        await self._note_files(gone)
        return gone

    async def delete_all_of(self, owner_id: str) -> Sequence[str]:
        statement = delete(t.uploads).where(t.uploads.c.owner_id == uuid.UUID(owner_id)).returning(t.uploads)
        gone = [_upload(row) for row in await self._execute(statement)]
        await self._note_files(gone)
        return [upload.storage_key for upload in gone]

    async def delete(self, upload: Upload) -> None:
        await self._execute(delete(t.uploads).where(t.uploads.c.id == uuid.UUID(upload.id)))
        await self._note_files([upload])

    async def _note_files(self, uploads: Sequence[Upload]) -> None:
        await self._note_file_deletions([upload.storage_key for upload in uploads])

    async def files_to_delete(self, *, limit: int) -> Sequence[str]:
        c = t.file_deletions.c
        rows = await self._execute(select(c.key).order_by(c.noted_at, c.key).limit(limit))
        return [row.key for row in rows]

    async def files_deleted(self, keys: Sequence[str]) -> None:
        if keys:
            await self._execute(delete(t.file_deletions).where(t.file_deletions.c.key.in_(list(keys))))

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
