from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from application.ports.repositories import UnitOfWork
from application.ports.services import IdGenerator
from application.services.reply_requests import Exchange, ReplyRequest, ReplyRequests, RequestedReply
from application.use_cases.authenticate import Principal
from domain.chat import Chatroom, Message
from domain.errors import ValidationError


class Follow(Enum):
    """Where a message goes when the client does not say: after the branch shown."""

    ACTIVE_BRANCH = "active_branch"


@dataclass(frozen=True, slots=True, kw_only=True)
class SendMessageCommand:
    principal: Principal
    chatroom_id: str
    content: str
    # The reply this message follows. Another than the branch's end is an edit: the
    # message becomes a new version of the one that followed it there. None puts a
    # new version of the first message.
    parent_id: str | Follow | None = Follow.ACTIVE_BRANCH
    idempotency_key: str | None = None
    request_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SendMessage:
    """Accept a user's message, or an edit of one, and queue the model's reply."""

    requests: ReplyRequests
    ids: IdGenerator

    async def execute(self, command: SendMessageCommand) -> RequestedReply:
        async def ask(uow: UnitOfWork, chatroom: Chatroom, now: datetime) -> Exchange:
            after = await self._parent(uow, chatroom, command.parent_id)
            question = Message.from_user(
                id=self.ids.new_id(), chatroom_id=chatroom.id, content=command.content, now=now, after=after
            )
            return Exchange(question=question, reply=Message.pending_reply(id=self.ids.new_id(), to=question, now=now))

        return await self.requests.request(
            ReplyRequest(
                principal=command.principal,
                chatroom_id=command.chatroom_id,
                ask=ask,
                idempotency_key=command.idempotency_key,
                request_id=command.request_id,
            )
        )

    @staticmethod
    async def _parent(uow: UnitOfWork, chatroom: Chatroom, parent_id: str | Follow | None) -> Message | None:
        if parent_id is Follow.ACTIVE_BRANCH:
            parent_id = chatroom.active_leaf_id
        if parent_id is None:
            return None
        parent = await uow.messages.get_in_chatroom(chatroom.id, parent_id)
        if parent is None:
            raise ValidationError.for_field("parent_id", "must be a model reply in this chatroom")
        return parent
