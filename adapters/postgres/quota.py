"""The daily message quota."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres import tables as t
from adapters.postgres.repository import DriverStatement, PostgresRepository

_u = t.daily_usage
# Made once and run on the driver: every send counts (py-spy: building these per call,
# then SQLAlchemy's work per execution, were CPU on the send path).
_COUNT_ONE = insert(_u).values(user_id=bindparam("user_id"), day=bindparam("day"), count=1)
_TRY_CONSUME = DriverStatement(
    _COUNT_ONE.on_conflict_do_update(
        index_elements=["user_id", "day"], set_={"count": _u.c.count + 1}, where=_u.c.count < bindparam("limit")
    ).returning(_u.c.count)
)
_CONSUME = DriverStatement(
    _COUNT_ONE.on_conflict_do_update(index_elements=["user_id", "day"], set_={"count": _u.c.count + 1}).returning(
        _u.c.count
    )
)


class PostgresQuotaCounter(PostgresRepository):
    """One row per user per day. Counting is a single statement: the row lock taken by
    ``INSERT ... ON CONFLICT DO UPDATE`` serializes concurrent sends of one user, and the
    ``WHERE`` re-checks the limit against the latest committed count."""

    async def try_consume(self, user_id: str, day: date, limit: int) -> int | None:
        parameters = {"user_id": uuid.UUID(user_id), "day": day, "limit": limit}
        rows = await self._fetch(_TRY_CONSUME, parameters)
        return int(rows[0][0]) if rows else None

    async def consume(self, user_id: str, day: date) -> int:
        parameters = {"user_id": uuid.UUID(user_id), "day": day}
        return int((await self._fetch(_CONSUME, parameters))[0][0])

    async def count(self, user_id: str, day: date) -> int:
        u = t.daily_usage
        row = (
            await self._execute(select(u.c.count).where(u.c.user_id == uuid.UUID(user_id)).where(u.c.day == day))
        ).first()
        return 0 if row is None else int(row[0])

    async def give_back(self, user_id: str, day: date) -> None:
        u = t.daily_usage
        await self._execute(
            update(u)
            .where(u.c.user_id == uuid.UUID(user_id))
            .where(u.c.day == day)
            .values(count=func.greatest(u.c.count - 1, 0))
        )

    async def reset(self, user_id: str, day: date) -> None:
        u = t.daily_usage
        await self._execute(delete(u).where(u.c.user_id == uuid.UUID(user_id)).where(u.c.day == day))
