from __future__ import annotations

from dataclasses import dataclass

from application.pagination import check_page_size
from application.ports.repositories import Position, UnitOfWorkFactory
from application.ports.services import ChatroomCache
from application.use_cases.authenticate import Principal
from domain.chat import Chatroom

DEFAULT_CHATROOM_PAGE = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class ListChatroomsCommand:
    principal: Principal
    limit: int = DEFAULT_CHATROOM_PAGE
    after: Position | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatroomPage:
    items: list[Chatroom]
    next: Position | None


class ListChatrooms:
    """The caller's chatrooms, most recent activity first. The first page, which is what
    clients ask for nearly every time, is served from the cache when it can be."""

    def __init__(self, *, uow: UnitOfWorkFactory, cache: ChatroomCache) -> None:
        self._uow = uow
        self._cache = cache

    async def execute(self, command: ListChatroomsCommand) -> ChatroomPage:
        limit = check_page_size(command.limit)
        owner_id = command.principal.user_id
        if command.after is None:
            rows = await self._cache.first_page(owner_id, limit, load=lambda: self._load(owner_id, limit, None))
        else:
            rows = await self._load(owner_id, limit, command.after)
        items = rows[:limit]
        next_position = None
        if len(rows) > limit:
            last = items[-1]
            next_position = Position(at=last.updated_at, id=last.id)
        return ChatroomPage(items=items, next=next_position)

    async def _load(self, owner_id: str, limit: int, after: Position | None) -> list[Chatroom]:
        # One extra row tells whether there is a next page.
        async with self._uow() as uow:
            return list(await uow.chatrooms.list_by_activity(owner_id, limit=limit + 1, before=after))
