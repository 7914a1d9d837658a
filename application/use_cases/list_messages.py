from __future__ import annotations

from dataclasses import dataclass

from application.pagination import check_page_size
from application.ports.repositories import Position, UnitOfWorkFactory
from application.services.ownership import owned_chatroom
from application.use_cases.authenticate import Principal
from domain.chat import Message

DEFAULT_MESSAGE_PAGE = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class ListMessagesCommand:
    principal: Principal
    chatroom_id: str
    limit: int = DEFAULT_MESSAGE_PAGE
    before: Position | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagePage:
    # Oldest first within the page; ``next`` points further into the past.
    items: list[Message]
    next: Position | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ListMessages:
    uow: UnitOfWorkFactory

    async def execute(self, command: ListMessagesCommand) -> MessagePage:
        limit = check_page_size(command.limit)
        async with self.uow() as uow:
            await owned_chatroom(uow, chatroom_id=command.chatroom_id, owner_id=command.principal.user_id)
            newest_first = list(
                await uow.messages.list_latest(command.chatroom_id, limit=limit + 1, before=command.before)
            )
        page = newest_first[:limit]
        next_position = None
        if len(newest_first) > limit:
            oldest = page[-1]
            next_position = Position(at=oldest.created_at, id=oldest.id)
        page.reverse()
        return MessagePage(items=page, next=next_position)
