from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, IdGenerator
from application.services.ownership import owned_chatroom
from application.use_cases.authenticate import Principal
from domain.chat import Chatroom, Message, MessageRole
from domain.errors import ValidationError


@dataclass(frozen=True, slots=True, kw_only=True)
class ForkChatroomCommand:
    principal: Principal
    chatroom_id: str
    message_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ForkChatroom:
    """A new chatroom holding a copy of the branch up to a reply. The copy shares
    nothing with the original: later changes to either leave the other alone."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator

    async def execute(self, command: ForkChatroomCommand) -> Chatroom:
        now = self.clock.now()
        async with self.uow() as uow:
            original = await owned_chatroom(uow, chatroom_id=command.chatroom_id, owner_id=command.principal.user_id)
            branch = list(await uow.messages.list_branch(original.id, leaf_id=command.message_id, limit=None))
            if not branch:
                raise ValidationError.for_field("message_id", "must be a message in this chatroom")
            if branch[0].role is not MessageRole.MODEL:
                # A copy ending in a question nobody answered could only go on with a
                # second question in a row.
                raise ValidationError.for_field("message_id", "must be a reply: fork after the answer you want to keep")
            copy = original.fork(id=self.ids.new_id(), now=now)
            copied: dict[str, str] = {}
            messages: list[Message] = []
            for message in reversed(branch):
                copied[message.id] = self.ids.new_id()
                messages.append(
                    message.copy_to(
                        chatroom_id=copy.id,
                        id=copied[message.id],
                        parent_id=copied.get(message.parent_id or ""),
                        reply_to=copied.get(message.reply_to or ""),
                        now=now,
                    )
                )
            copy.active_leaf_id = messages[-1].id
            await uow.chatrooms.add(copy)
            await uow.messages.add_all(messages)
            await uow.commit()
        return copy
