from __future__ import annotations

from dataclasses import dataclass

from application.pagination import check_page_size
from application.ports.repositories import Position, UnitOfWorkFactory
from application.use_cases.authenticate import Principal
from domain.chat import Chatroom

DEFAULT_CHATROOM_PAGE = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class ListChatroomsCommand:
    principal: Principal
    limit: int = DEFAULT_CHATROOM_PAGE
    after: Position | None = None
    # The archived chats instead of the others.
    archived: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatroomPage:
    items: list[Chatroom]
    next: Position | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ListChatrooms:
    """The caller's chatrooms, pinned first, then most recent activity first; archived
    ones only when asked for, temporary ones never. (The first page, which clients ask
    for nearly every time, is usually served from this process's copy.)"""

    uow: UnitOfWorkFactory

    async def execute(self, command: ListChatroomsCommand) -> ChatroomPage:
        limit = check_page_size(command.limit)
        async with self.uow() as uow:
            # One extra row tells whether there is a next page.
            rows = await uow.chatrooms.list_by_activity(
                command.principal.user_id, limit=limit + 1, before=command.after, archived=command.archived
            )
        items = list(rows[:limit])
        next_position = None
        if len(rows) > limit:
            last = items[-1]
            next_position = Position(at=last.updated_at, id=last.id, pinned=last.pinned)
        return ChatroomPage(items=items, next=next_position)
