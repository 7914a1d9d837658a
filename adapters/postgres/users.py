"""The users table."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres import tables as t
from adapters.postgres.repository import DriverStatement, PostgresRepository
from domain.errors import Conflict
from domain.users import MobileNumber, Tier, User


def _user(row: Any) -> User:
    """From a row by column name: an asyncpg record, or a SQLAlchemy row's mapping."""
    return User(
        id=str(row["id"]),
        mobile_number=MobileNumber(row["mobile_number"]),
        name=row["name"],
        tier=Tier(row["tier"]),
        password_hash=row["password_hash"],
        created_at=row["created_at"],
        verified_at=row["verified_at"],
    )


# Made once and run on the driver: a reply reads its owner's plan, and a request its user.
_GET = select(t.users).where(t.users.c.id == bindparam("key"))
_READ = DriverStatement(_GET)
_READ_LOCKED = DriverStatement(_GET.with_for_update())


class PostgresUserRepository(PostgresRepository):
    async def add(self, user: User) -> None:
        inserted = await self._execute(
            insert(t.users)
            .values(
                id=uuid.UUID(user.id),
                mobile_number=user.mobile_number.value,
                name=user.name,
                tier=user.tier.value,
                password_hash=user.password_hash,
                created_at=user.created_at,
                verified_at=user.verified_at,
            )
            .on_conflict_do_nothing()
            .returning(t.users.c.id)
        )
        if inserted.first() is None:
            raise Conflict("This mobile number is already registered.")

    async def get(self, user_id: str, *, for_update: bool = False) -> User | None:
        rows = await self._fetch(_READ_LOCKED if for_update else _READ, {"key": uuid.UUID(user_id)})
        return _user(rows[0]) if rows else None

    async def get_by_mobile(self, mobile_number: MobileNumber) -> User | None:
        row = (await self._execute(select(t.users).where(t.users.c.mobile_number == mobile_number.value))).first()
        return None if row is None else _user(row._mapping)

    async def update(self, user: User) -> None:
        await self._execute(
            update(t.users)
            .where(t.users.c.id == uuid.UUID(user.id))
            .values(
                name=user.name, tier=user.tier.value, password_hash=user.password_hash, verified_at=user.verified_at
            )
        )

    async def delete(self, user: User) -> None:
        # Everything of theirs goes with the row: every table naming a user cascades.
        await self._execute(delete(t.users).where(t.users.c.id == uuid.UUID(user.id)))
