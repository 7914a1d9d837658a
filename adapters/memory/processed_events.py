"""Payment events already applied."""

from __future__ import annotations

from datetime import datetime

from adapters.memory.tables import Table, Transaction


class InMemoryProcessedEventRepository:
    def __init__(self, uow: Transaction) -> None:
        self._rows: Table[str, tuple[str, datetime]] = Table(uow, "processed_events")

    async def add(self, event_id: str, event_type: str, processed_at: datetime) -> bool:
        if self._rows.get(event_id) is not None:
            return False
        self._rows.put(event_id, (event_type, processed_at))
        return True
