from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.ports.repositories import UnitOfWork
from application.ports.services import IdGenerator
from application.services.reply_requests import (
    Exchange,
    ReplyCommand,
    ReplyRequests,
    RequestedReply,
    finished_reply,
)
from domain.chat import Chatroom, Message
from domain.errors import NotFound


@dataclass(frozen=True, slots=True, kw_only=True)
class RegenerateReply:
    """Ask again: a new version of a reply, written from the same branch."""

    requests: ReplyRequests
    ids: IdGenerator

    async def execute(self, command: ReplyCommand) -> RequestedReply:
        async def ask(uow: UnitOfWork, chatroom: Chatroom, now: datetime) -> Exchange:
            reply = await finished_reply(uow, chatroom, command.reply_id)
            question = await uow.messages.get(reply.reply_to) if reply.reply_to else None
            if question is None:
                raise NotFound("Message not found.")
            return Exchange(reply=Message.pending_reply(id=self.ids.new_id(), to=question, now=now))

        return await self.requests.request(command.asking(ask))
