from __future__ import annotations

from dataclasses import dataclass

from application.pagination import check_page_size
from application.ports.repositories import Position, UnitOfWorkFactory
from application.services.ownership import owned_chatroom
from application.use_cases.authenticate import Principal
from domain.chat import PlacedMessage
from domain.errors import NotFound

DEFAULT_MESSAGE_PAGE = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class ListMessagesCommand:
    principal: Principal
    chatroom_id: str
    limit: int = DEFAULT_MESSAGE_PAGE
    # Where the page starts: a cursor this use case returned, else the end of the
    # branch ``leaf_id`` names, else the end of the branch the room shows.
    cursor: Position | None = None
    leaf_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagePage:
    # Oldest first within the page; ``next`` points further into the past.
    items: list[PlacedMessage]
    next: Position | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ListMessages:
    """A page of one branch of the conversation, newest page first: the branch the room
    shows, or the one ending at a message the client names."""

    uow: UnitOfWorkFactory

    async def execute(self, command: ListMessagesCommand) -> MessagePage:
        limit = check_page_size(command.limit)
        async with self.uow() as uow:
            chatroom = await owned_chatroom(uow, chatroom_id=command.chatroom_id, owner_id=command.principal.user_id)
            start = command.cursor.id if command.cursor is not None else command.leaf_id or chatroom.active_leaf_id
            if start is None:
                return MessagePage(items=[], next=None)
            newest_first = list(await uow.messages.page_of_branch(chatroom.id, leaf_id=start, limit=limit + 1))
        if not newest_first and command.leaf_id is not None and command.cursor is None:
            raise NotFound("Message not found.")
        items = newest_first[:limit]
        items.reverse()
        # The cursor names the next message to show: the one the oldest shown follows.
        following = newest_first[limit].message if len(newest_first) > limit else None
        next_position = Position(at=following.created_at, id=following.id) if following is not None else None
        return MessagePage(items=items, next=next_position)
