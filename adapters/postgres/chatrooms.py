"""Chatrooms."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres import tables as t
from adapters.postgres.repository import PostgresRepository, uuid_str
from application.ports.repositories import Position
from domain.chat import Chatroom

# Made once: a reply reads its room twice (py-spy: building a statement per call was a
# good part of a read's CPU).
_GET = select(t.chatrooms).where(t.chatrooms.c.id == bindparam("key"))
_GET_LOCKED = _GET.with_for_update()
# And a send reads the room as its owner's and touches it.
_GET_OWNED = _GET.where(t.chatrooms.c.owner_id == bindparam("owner"))
_GET_OWNED_LOCKED = _GET_OWNED.with_for_update()
_TOUCH = (
    update(t.chatrooms)
    .where(t.chatrooms.c.id == bindparam("key"))
    .values(updated_at=func.greatest(t.chatrooms.c.updated_at, bindparam("at")))
)
_TOUCH_LEAF = _TOUCH.values(active_leaf_id=bindparam("leaf"))


def _chatroom(row: Any) -> Chatroom:
    return Chatroom(
        id=str(row.id),
        owner_id=str(row.owner_id),
        title=row.title,
        created_at=row.created_at,
        updated_at=row.updated_at,
        untitled=row.untitled,
        active_leaf_id=uuid_str(row.active_leaf_id),
        system_instruction=row.system_instruction,
        temperature=row.temperature,
        gem_instructions=row.gem_instructions,
        model=row.model,
        pinned=row.pinned,
        archived=row.archived,
        temporary=row.temporary,
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
        row = (await self._execute(_GET_LOCKED if for_update else _GET, {"key": uuid.UUID(chatroom_id)})).first()
        return None if row is None else _chatroom(row)

    async def get_owned(self, chatroom_id: str, owner_id: str, *, for_update: bool = False) -> Chatroom | None:
        parameters = {"key": uuid.UUID(chatroom_id), "owner": uuid.UUID(owner_id)}
        row = (await self._execute(_GET_OWNED_LOCKED if for_update else _GET_OWNED, parameters)).first()
        return None if row is None else _chatroom(row)

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
        return [_chatroom(row) for row in rows]

    async def list_expired_temporary(self, *, inactive_since: datetime, limit: int) -> Sequence[Chatroom]:
        c = t.chatrooms.c
        query = (
            select(t.chatrooms)
            .where(c.temporary.is_(True))
            .where(c.updated_at < inactive_since)
            .order_by(c.updated_at, c.id)
            .limit(limit)
        )
        return [_chatroom(row) for row in await self._execute(query)]

    async def list_all_of(self, owner_id: str) -> Sequence[Chatroom]:
        c = t.chatrooms.c
        query = select(t.chatrooms).where(c.owner_id == uuid.UUID(owner_id)).order_by(c.created_at, c.id)
        return [_chatroom(row) for row in await self._execute(query)]

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
            await self._execute(_TOUCH, {"key": uuid.UUID(chatroom.id), "at": at})
        else:
            parameters = {"key": uuid.UUID(chatroom.id), "at": at, "leaf": uuid.UUID(active_leaf_id)}
            await self._execute(_TOUCH_LEAF, parameters)

    async def delete(self, chatroom: Chatroom) -> None:
        # Messages go with it (ON DELETE CASCADE).
        await self._execute(delete(t.chatrooms).where(t.chatrooms.c.id == uuid.UUID(chatroom.id)))
