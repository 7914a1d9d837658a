from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.services.ownership import owned_chatroom
from application.use_cases.authenticate import Principal
from domain.chat import Chatroom, PlacedMessage

LATEST_MESSAGES = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class GetChatroomCommand:
    principal: Principal
    chatroom_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatroomWithMessages:
    chatroom: Chatroom
    # The latest messages of the branch shown, oldest first; older ones come from
    # ListMessages.
    messages: list[PlacedMessage]


@dataclass(frozen=True, slots=True, kw_only=True)
class GetChatroom:
    uow: UnitOfWorkFactory

    async def execute(self, command: GetChatroomCommand) -> ChatroomWithMessages:
        async with self.uow() as uow:
            chatroom = await owned_chatroom(uow, chatroom_id=command.chatroom_id, owner_id=command.principal.user_id)
            latest: list[PlacedMessage] = []
            if chatroom.active_leaf_id is not None:
                latest = list(
                    await uow.messages.page_of_branch(
                        chatroom.id, leaf_id=chatroom.active_leaf_id, limit=LATEST_MESSAGES
                    )
                )
        return ChatroomWithMessages(chatroom=chatroom, messages=latest[::-1])
