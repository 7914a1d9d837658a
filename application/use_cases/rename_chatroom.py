from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import ChatroomCache, Clock
from application.use_cases._chatrooms import owned_chatroom
from application.use_cases.authenticate import Principal
from domain.chat import Chatroom


@dataclass(frozen=True, slots=True, kw_only=True)
class RenameChatroomCommand:
    principal: Principal
    chatroom_id: str
    title: str


class RenameChatroom:
    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, cache: ChatroomCache) -> None:
        self._uow = uow
        self._clock = clock
        self._cache = cache

    async def execute(self, command: RenameChatroomCommand) -> Chatroom:
        async with self._uow() as uow:
            chatroom = await owned_chatroom(uow, chatroom_id=command.chatroom_id, owner_id=command.principal.user_id)
            chatroom.rename(command.title, self._clock.now())
            await uow.chatrooms.update(chatroom)
            await uow.commit()
        await self._cache.invalidate(chatroom.owner_id)
        return chatroom
