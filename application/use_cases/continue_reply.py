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
from domain.chat import Chatroom


@dataclass(frozen=True, slots=True, kw_only=True)
class ContinueReply:
    """Go on with a reply the model's output limit cut short, in a new reply after it."""

    requests: ReplyRequests
    ids: IdGenerator

    async def execute(self, command: ReplyCommand) -> RequestedReply:
        async def ask(uow: UnitOfWork, chatroom: Chatroom, now: datetime) -> Exchange:
            reply = await finished_reply(uow, chatroom, command.reply_id)
            return Exchange(reply=reply.continuation(id=self.ids.new_id(), now=now))

        return await self.requests.request(command.asking(ask))
