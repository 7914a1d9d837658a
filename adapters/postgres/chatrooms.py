"""Chatrooms."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres import tables as t
from adapters.postgres.repository import DriverStatement, PostgresRepository, uuid_str
from application.ports.repositories import Position, RoomAndOwner
from domain.chat import Chatroom
from domain.instructions import NO_PERSONAL_INSTRUCTIONS, PersonalInstructions
from domain.users import Tier

# Made once and run on the driver: a reply reads its room twice, and a send reads the
# room as its owner's and touches it (py-spy: building a statement per call, then
# SQLAlchemy's work per execution, were a good part of their CPU).
_GET = select(t.chatrooms).where(t.chatrooms.c.id == bindparam("key"))
_GET_OWNED = _GET.where(t.chatrooms.c.owner_id == bindparam("owner"))
_READ = DriverStatement(_GET)
_READ_LOCKED = DriverStatement(_GET.with_for_update())
_READ_OWNED = DriverStatement(_GET_OWNED)
_READ_OWNED_LOCKED = DriverStatement(_GET_OWNED.with_for_update())
# The room, its owner's plan and instructions: one round trip as a reply starts, where
# three reads were three.
_WITH_OWNER = DriverStatement(
    select(
        t.chatrooms,
        t.users.c.tier.label("owner_tier"),
        t.personal_instructions.c.about_me,
        t.personal_instructions.c.response_style,
    )
    .select_from(
        t.chatrooms.outerjoin(t.users, t.users.c.id == t.chatrooms.c.owner_id).outerjoin(
            t.personal_instructions, t.personal_instructions.c.user_id == t.chatrooms.c.owner_id
        )
    )
    .where(t.chatrooms.c.id == bindparam("key"))
)
_TOUCH = (
    update(t.chatrooms)
    .where(t.chatrooms.c.id == bindparam("key"))
    .values(updated_at=func.greatest(t.chatrooms.c.updated_at, bindparam("at")))
)
_TOUCH_ONLY = DriverStatement(_TOUCH)
_TOUCH_LEAF = DriverStatement(_TOUCH.values(active_leaf_id=bindparam("leaf")))


def _chatroom(row: Any) -> Chatroom:
    """From a row by column name: an asyncpg record, or a SQLAlchemy row's mapping."""
    return Chatroom(
        id=str(row["id"]),
        owner_id=str(row["owner_id"]),
        title=row["title"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        untitled=row["untitled"],
        active_leaf_id=uuid_str(row["active_leaf_id"]),
        system_instruction=row["system_instruction"],
        temperature=row["temperature"],
        gem_instructions=row["gem_instructions"],
        model=row["model"],
        pinned=row["pinned"],
        archived=row["archived"],
        temporary=row["temporary"],
    )


class PostgresChatroomRepository(PostgresRepository):
    async def add(self, chatroom: Chatroom) -> None:
        await self._execute(
            insert(t.chatrooms).values(
                id=uuid.UUID(chatroom.id),
                owner_id=uuid.UUID(chatroom.owner_id),
                title=chatroom.title,
                untitled=chatroom.untitled,
                created_at=chatroom.created_at,
                updated_at=chatroom.updated_at,
                active_leaf_id=uuid.UUID(chatroom.active_leaf_id) if chatroom.active_leaf_id else None,
                system_instruction=chatroom.system_instruction,
                temperature=chatroom.temperature,
                gem_instructions=chatroom.gem_instructions,
                model=chatroom.model,
                pinned=chatroom.pinned,
                archived=chatroom.archived,
                temporary=chatroom.temporary,
            )
        )

    async def get(self, chatroom_id: str, *, for_update: bool = False) -> Chatroom | None:
        rows = await self._fetch(_READ_LOCKED if for_update else _READ, {"key": uuid.UUID(chatroom_id)})
        return _chatroom(rows[0]) if rows else None

    async def get_with_owner(self, chatroom_id: str) -> RoomAndOwner | None:
        rows = await self._fetch(_WITH_OWNER, {"key": uuid.UUID(chatroom_id)})
        if not rows:
            return None
        row = rows[0]
        about_me, response_style = row["about_me"], row["response_style"]
        return RoomAndOwner(
            chatroom=_chatroom(row),
            plan=Tier(row["owner_tier"]) if row["owner_tier"] else Tier.BASIC,
            instructions=NO_PERSONAL_INSTRUCTIONS
            if about_me is None
            else PersonalInstructions(about_me=about_me, response_style=response_style),
        )

    async def get_owned(self, chatroom_id: str, owner_id: str, *, for_update: bool = False) -> Chatroom | None:
        parameters = {"key": uuid.UUID(chatroom_id), "owner": uuid.UUID(owner_id)}
        rows = await self._fetch(_READ_OWNED_LOCKED if for_update else _READ_OWNED, parameters)
        return _chatroom(rows[0]) if rows else None

    async def list_by_activity(
        self, owner_id: str, *, limit: int, before: Position | None, archived: bool = False
    ) -> Sequence[Chatroom]:
        c = t.chatrooms.c
        query = (
            select(t.chatrooms)
            .where(c.owner_id == uuid.UUID(owner_id))
            .where(c.archived.is_(archived))
            .where(c.temporary.is_(False))
        )
        if before is not None:
            after = tuple_(before.pinned, before.at, uuid.UUID(before.id))
            query = query.where(tuple_(c.pinned, c.updated_at, c.id) < after)
        rows = await self._execute(query.order_by(c.pinned.desc(), c.updated_at.desc(), c.id.desc()).limit(limit))
        return [_chatroom(row._mapping) for row in rows]

    async def list_expired_temporary(self, *, inactive_since: datetime, limit: int) -> Sequence[Chatroom]:
        c = t.chatrooms.c
        query = (
            select(t.chatrooms)
            .where(c.temporary.is_(True))
            .where(c.updated_at < inactive_since)
            .order_by(c.updated_at, c.id)
            .limit(limit)
        )
        return [_chatroom(row._mapping) for row in await self._execute(query)]

    async def list_all_of(self, owner_id: str) -> Sequence[Chatroom]:
        c = t.chatrooms.c
        query = select(t.chatrooms).where(c.owner_id == uuid.UUID(owner_id)).order_by(c.created_at, c.id)
        return [_chatroom(row._mapping) for row in await self._execute(query)]

    async def update(self, chatroom: Chatroom) -> None:
        await self._execute(
            update(t.chatrooms)
            .where(t.chatrooms.c.id == uuid.UUID(chatroom.id))
            # Not the active branch: only ``touch`` moves it, so a rename cannot put back a
            # branch a send just moved on from.
            .values(
                title=chatroom.title,
                untitled=chatroom.untitled,
                updated_at=chatroom.updated_at,
                system_instruction=chatroom.system_instruction,
                temperature=chatroom.temperature,
                model=chatroom.model,
                pinned=chatroom.pinned,
                archived=chatroom.archived,
            )
        )

    async def touch(self, chatroom: Chatroom, at: datetime, *, active_leaf_id: str | None = None) -> None:
        if active_leaf_id is None:
            await self._fetch(_TOUCH_ONLY, {"key": uuid.UUID(chatroom.id), "at": at})
        else:
            parameters = {"key": uuid.UUID(chatroom.id), "at": at, "leaf": uuid.UUID(active_leaf_id)}
            await self._fetch(_TOUCH_LEAF, parameters)

    async def delete(self, chatroom: Chatroom) -> None:
        # Messages go with it (ON DELETE CASCADE).
        await self._execute(delete(t.chatrooms).where(t.chatrooms.c.id == uuid.UUID(chatroom.id)))
