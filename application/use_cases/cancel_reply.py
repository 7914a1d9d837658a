from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, ReplyCancellations, ReplyEvent, ReplyEventKind, ReplyEventStream
from application.services.ownership import owned_chatroom
from application.services.placement import placed_one
from application.services.refunds import give_back_message
from application.use_cases.authenticate import Principal
from domain.chat import MessageRole, MessageStatus, PlacedMessage
from domain.errors import Conflict, NotFound


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelReplyCommand:
    principal: Principal
    chatroom_id: str
    reply_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelReply:
    """Stop a reply, whichever process writes it and whether or not one has started.

    A reply nobody is writing (still queued, or its worker's lease ran out) is stopped
    here and now; one a worker is writing is asked to stop, and that worker ends it
    within a chunk, keeping what was written. Asking again changes nothing."""

    uow: UnitOfWorkFactory
    clock: Clock
    events: ReplyEventStream
    cancellations: ReplyCancellations

    async def execute(self, command: CancelReplyCommand) -> PlacedMessage:
        now = self.clock.now()
        async with self.uow() as uow:
            chatroom = await owned_chatroom(uow, chatroom_id=command.chatroom_id, owner_id=command.principal.user_id)
            reply = await uow.messages.get(command.reply_id, for_update=True)
            if reply is None or reply.chatroom_id != chatroom.id:
                raise NotFound("Message not found.")
            if reply.role is not MessageRole.MODEL:
                raise Conflict("Only a reply can be cancelled.")
            if reply.status is MessageStatus.CANCELLED:
                return await placed_one(uow, reply)
            if reply.is_finished:
                raise Conflict("This reply has already finished.")
            if reply.is_leased(now):
                # Its worker stops it and tells every stream.
                await self.cancellations.request(reply.id)
                return await placed_one(uow, reply)
            give_back = reply.cancel(text=reply.content, usage=reply.usage, now=now)
            await uow.messages.update(reply)
            if give_back:
                await give_back_message(uow, reply)
            cancelled = await placed_one(uow, reply)
            await uow.commit()
        await self.events.publish(
            reply.id, ReplyEvent(kind=ReplyEventKind.CANCELLED, attempt=reply.attempt, offset=len(reply.content))
        )
        return cancelled
