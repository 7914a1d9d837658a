from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Telemetry
from application.services.ownership import owned_message
from application.services.placement import placed_one
from application.use_cases.authenticate import Principal
from domain.chat import Feedback, PlacedMessage, Rating


@dataclass(frozen=True, slots=True, kw_only=True)
class RateReplyCommand:
    principal: Principal
    chatroom_id: str
    reply_id: str
    rating: Rating
    comment: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RateReply:
    """Keep what the user thought of a reply (a later rating replaces it), and count it
    for operators by the model that wrote the reply."""

    uow: UnitOfWorkFactory
    telemetry: Telemetry

    async def execute(self, command: RateReplyCommand) -> PlacedMessage:
        feedback = Feedback.given(command.rating, command.comment)
        async with self.uow() as uow:
            reply = await owned_message(
                uow, chatroom_id=command.chatroom_id, message_id=command.reply_id, owner_id=command.principal.user_id
            )
            reply.rate(feedback)
            await uow.messages.update(reply)
            rated = await placed_one(uow, reply)
            await uow.commit()
        self.telemetry.reply_rated(model=reply.model or "unknown", rating=feedback.rating.value)
        return rated
