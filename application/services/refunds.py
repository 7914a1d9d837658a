"""Giving a message back to the daily quota when its reply came to nothing."""

from __future__ import annotations

from application.ports.repositories import UnitOfWork
from domain.chat import Message
from domain.quota import usage_day


async def give_back_message(uow: UnitOfWork, reply: Message) -> None:
    """Give back the message ``reply`` answers, on the day it was sent (the day it counted)."""
    chatroom = await uow.chatrooms.get(reply.chatroom_id)
    asked = await uow.messages.get(reply.reply_to) if reply.reply_to else None
    if chatroom is not None and asked is not None:
        await uow.quota.give_back(chatroom.owner_id, usage_day(asked.created_at))
