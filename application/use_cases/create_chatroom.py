from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import ChatroomCache, Clock, IdGenerator
from application.use_cases.authenticate import Principal
from domain.chat import Chatroom


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateChatroomCommand:
    principal: Principal
    title: str | None = None


class CreateChatroom:
    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator, cache: ChatroomCache) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._cache = cache

    async def execute(self, command: CreateChatroomCommand) -> Chatroom:
        chatroom = Chatroom.open(
            id=self._ids.new_id(),
            owner_id=command.principal.user_id,
            title=command.title,
            now=self._clock.now(),
        )
        async with self._uow() as uow:
            await uow.chatrooms.add(chatroom)
            await uow.commit()
        await self._cache.invalidate(chatroom.owner_id)
        return chatroom
