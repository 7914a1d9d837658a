"""Uploaded files' records."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime

from adapters.memory.tables import Table, Transaction
from domain.chat import Message
from domain.uploads import Upload

_noted = itertools.count()


def note_file_deletions(uow: Transaction, keys: Sequence[str]) -> None:
    """The bytes under ``keys`` are to be deleted once the transaction commits."""
    to_delete: Table[str, int] = Table(uow, "file_deletions")
    for key in keys:
        to_delete.put(key, next(_noted))


class InMemoryUploadRepository:
    """Which message carries which file is read from the messages themselves, as the
    real database reads it from the rows saved with them."""

    def __init__(self, uow: Transaction) -> None:
        self._uow = uow
        self._rows: Table[str, Upload] = Table(uow, "uploads")
        self._messages: Table[str, Message] = Table(uow, "messages")
        # Storage key -> the order it was noted in.
        self._to_delete: Table[str, int] = Table(uow, "file_deletions")

    async def add(self, upload: Upload) -> None:
        self._rows.put(upload.id, upload)

    async def get_owned(self, upload_id: str, owner_id: str, *, for_update: bool = False) -> Upload | None:
        upload = self._rows.get(upload_id)
        return upload if upload is not None and upload.owner_id == owner_id else None

    async def owned(self, upload_ids: Sequence[str], owner_id: str, *, for_update: bool = False) -> Sequence[Upload]:
        found = (self._rows.get(upload_id) for upload_id in set(upload_ids))
        return [upload for upload in found if upload is not None and upload.owner_id == owner_id]

    async def mark_sent(self, upload_ids: Sequence[str], message_id: str) -> None:
        for upload_id in upload_ids:
            stored = self._rows.get(upload_id)
            if stored is not None:
                stored.send_with(message_id)
                self._rows.put(stored.id, stored)

    async def is_attached(self, upload_id: str) -> bool:
        return upload_id in self._carried()

    async def attached_in_chatroom(self, chatroom_id: str) -> Sequence[Upload]:
        ids = {a.id for m in self._messages.rows() if m.chatroom_id == chatroom_id for a in m.attachments}
        return [upload for upload in (self._rows.get(i) for i in ids) if upload is not None]

    async def delete_unattached(self, uploads: Sequence[Upload]) -> Sequence[Upload]:
        carried = self._carried()
        deleted = [upload for upload in uploads if upload.id not in carried and self._rows.get(upload.id)]
        for upload in deleted:
            await self.delete(upload)
        return deleted

    def _carried(self) -> set[str]:
        return {attachment.id for message in self._messages.rows() for attachment in message.attachments}

    async def delete_all_of(self, owner_id: str) -> Sequence[str]:
        theirs = [upload for upload in self._rows.rows() if upload.owner_id == owner_id]
        for upload in theirs:
            await self.delete(upload)
        return [upload.storage_key for upload in theirs]

    async def delete(self, upload: Upload) -> None:
        self._rows.delete(upload.id)
        note_file_deletions(self._uow, [upload.storage_key])

    async def files_to_delete(self, *, limit: int) -> Sequence[str]:
        noted = sorted((order, key) for key in self._to_delete.ids() if (order := self._to_delete.get(key)) is not None)
        return [key for _, key in noted][:limit]

    async def files_deleted(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._to_delete.delete(key)

    async def list_unattached(self, *, created_before: datetime, limit: int) -> Sequence[Upload]:
        everyone = (self._rows.get(key) for key in self._rows.ids())
        old = [u for u in everyone if u and u.message_id is None and u.created_at < created_before]
        return sorted(old, key=lambda u: (u.created_at, u.id))[:limit]
