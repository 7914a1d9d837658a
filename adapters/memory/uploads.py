"""Uploaded files' records."""

from __future__ import annotations

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
