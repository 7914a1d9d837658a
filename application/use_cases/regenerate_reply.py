from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.ports.repositories import UnitOfWork
from application.ports.services import IdGenerator
from application.services.reply_requests import Ask, Exchange, ReplyRequest, ReplyRequests, RequestedReply
from application.use_cases.authenticate import Principal
from domain.chat import Chatroom, Message, MessageRole
from domain.errors import Conflict, NotFound


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyCommand:
    principal: Principal
    chatroom_id: str
    reply_id: str
    idempotency_key: str | None = None
    request_id: str | None = None


async def finished_reply(uow: UnitOfWork, chatroom: Chatroom, reply_id: str) -> Message:
    reply = await uow.messages.get_in_chatroom(chatroom.id, reply_id)
    if reply is None:
        raise NotFound("Message not found.")
    if reply.role is not MessageRole.MODEL:
        raise Conflict("Only a model reply can be regenerated or continued; edit a message of yours instead.")
    if not reply.is_finished:
        raise Conflict("This reply is still being written. Cancel it first, or wait for it to finish.")
    return reply


@dataclass(frozen=True, slots=True, kw_only=True)
class RegenerateReply:
    """Ask again: a new version of a reply, written from the same branch."""

    requests: ReplyRequests
    ids: IdGenerator

    async def execute(self, command: ReplyCommand) -> RequestedReply:
        async def ask(uow: UnitOfWork, chatroom: Chatroom, now: datetime) -> Exchange:
            reply = await finished_reply(uow, chatroom, command.reply_id)
            question = await uow.messages.get(reply.reply_to or "")
            if question is None:
                raise NotFound("Message not found.")
            return Exchange(reply=Message.pending_reply(id=self.ids.new_id(), to=question, now=now))

        return await self.requests.request(_request(command, ask))


@dataclass(frozen=True, slots=True, kw_only=True)
class ContinueReply:
    """Go on with a reply the model's output limit cut short, in a new reply after it."""

    requests: ReplyRequests
    ids: IdGenerator

    async def execute(self, command: ReplyCommand) -> RequestedReply:
        async def ask(uow: UnitOfWork, chatroom: Chatroom, now: datetime) -> Exchange:
            reply = await finished_reply(uow, chatroom, command.reply_id)
            return Exchange(reply=reply.continuation(id=self.ids.new_id(), now=now))

        return await self.requests.request(_request(command, ask))


def _request(command: ReplyCommand, ask: Ask) -> ReplyRequest:
    return ReplyRequest(
        principal=command.principal,
        chatroom_id=command.chatroom_id,
        ask=ask,
        idempotency_key=command.idempotency_key,
        request_id=command.request_id,
    )
