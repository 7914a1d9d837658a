"""Payment events already applied."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert

from adapters.postgres import tables as t
from adapters.postgres.repository import PostgresRepository


class PostgresProcessedEventRepository(PostgresRepository):
    async def add(self, event_id: str, event_type: str, processed_at: datetime) -> bool:
        inserted = await self._execute(
            insert(t.processed_events)
            .values(event_id=event_id, event_type=event_type, processed_at=processed_at)
            .on_conflict_do_nothing()
            .returning(t.processed_events.c.event_id)
        )
        return inserted.first() is not None
