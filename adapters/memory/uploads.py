"""Uploaded files' records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.memory.tables import Table, Transaction
from domain.uploads import Upload


class InMemoryUploadRepository:
    def __init__(self, uow: Transaction) -> None:
        self._rows: Table[str, Upload] = Table(uow, "uploads")

    async def add(self, upload: Upload) -> None:
        self._rows.put(upload.id, upload)

    async def get_owned(self, upload_id: str, owner_id: str) -> Upload | None:
        upload = self._rows.get(upload_id)
        return upload if upload is not None and upload.owner_id == owner_id else None

    async def delete(self, upload: Upload) -> None:
        self._rows.delete(upload.id)

    async def list_unattached(self, *, created_before: datetime, limit: int) -> Sequence[Upload]:
        everyone = (self._rows.get(key) for key in self._rows.ids())
        old = [u for u in everyone if u and u.message_id is None and u.created_at < created_before]
        return sorted(old, key=lambda u: (u.created_at, u.id))[:limit]
