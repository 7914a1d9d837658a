"""Exports' records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.memory.tables import Table, Transaction
from adapters.memory.uploads import note_file_deletions
from domain.exports import Export


class InMemoryExportRepository:
    def __init__(self, uow: Transaction) -> None:
        self._uow = uow
        self._rows: Table[str, Export] = Table(uow, "exports")

    async def add(self, export: Export) -> None:
        self._rows.put(export.id, export)

    async def get(self, export_id: str) -> Export | None:
        return self._rows.get(export_id)

    async def get_owned(self, export_id: str, owner_id: str) -> Export | None:
        export = self._rows.get(export_id)
        return export if export is not None and export.owner_id == owner_id else None

    async def unfinished_of(self, owner_id: str) -> Export | None:
        theirs = [e for e in self._rows.rows() if e.owner_id == owner_id and e.is_unfinished]
        return max(theirs, key=lambda e: e.created_at, default=None)

    async def update(self, export: Export) -> None:
        if self._rows.get(export.id) is not None:
            self._rows.put(export.id, export)

    async def list_expired(self, before: datetime, *, limit: int) -> Sequence[Export]:
        old = [e for e in self._rows.rows() if (e.finished_at or e.created_at) < before]
        return sorted(old, key=lambda e: (e.created_at, e.id))[:limit]

    async def delete(self, export: Export) -> None:
        self._rows.delete(export.id)
        note_file_deletions(self._uow, [export.storage_key])

    async def delete_all_of(self, owner_id: str) -> Sequence[str]:
        theirs = [e for e in self._rows.rows() if e.owner_id == owner_id]
        for export in theirs:
            await self.delete(export)
        return [export.storage_key for export in theirs]
