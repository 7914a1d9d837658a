from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import ReplyEvent, ReplyEventKind, ReplyEventStream
from application.use_cases._chatrooms import owned_message
from application.use_cases.authenticate import Principal
from domain.chat import Message, MessageStatus


@dataclass(frozen=True, slots=True)
class StreamPosition:
    """How much of a reply a client has: ``offset`` characters of generation ``attempt``,
    and whether it saw the end. Sent as each event's id (``"2.140"``, ``"2.311.end"``)
    and read back from ``Last-Event-ID``."""

    attempt: int
    offset: int
    final: bool = False

    def format(self) -> str:
        return f"{self.attempt}.{self.offset}" + (".end" if self.final else "")

    @classmethod
    def parse(cls, raw: str | None) -> StreamPosition | None:
        """None for anything that is not an id we sent: the client then starts over."""
        if not raw:
            return None
        parts = raw.strip().split(".")
        final = parts[-1] == "end"
        if final:
            parts = parts[:-1]
        if len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) < 10 for p in parts):
            return None
        return cls(attempt=int(parts[0]), offset=int(parts[1]), final=final)


class StreamItemKind(StrEnum):
    CHUNK = "chunk"
    # The generation the client was reading was restarted: drop the text so far.
    RESET = "reset"
    DONE = "done"
    ERROR = "error"
    # Nothing new yet; lets the transport keep the connection alive.
    HEARTBEAT = "heartbeat"


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamItem:
    kind: StreamItemKind
    id: str | None = None
    text: str = ""
    message: Message | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamReplyCommand:
    principal: Principal
    chatroom_id: str
    message_id: str
    last_event_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamPolicy:
    heartbeat_seconds: float = 15.0
    # A reply nobody is writing (no worker running) should not hold a connection forever;
    # the client reconnects with its last event id and loses nothing.
    max_wait_seconds: float = 600.0


class StreamReply:
    """Relay a reply as it is written, from wherever the client left off.

    A finished reply is answered from the database, so a client can resume even after
    the live events are gone; a live one is relayed from the reply event stream.
    """

    def __init__(self, *, uow: UnitOfWorkFactory, events: ReplyEventStream, policy: StreamPolicy) -> None:
        self._uow = uow
        self._events = events
        self._policy = policy

    async def execute(self, command: StreamReplyCommand) -> AsyncIterator[StreamItem]:
        """Checks access before returning, so a missing reply is an error, not an empty stream."""
        message = await self._load(command)
        return self._relay(command, message, StreamPosition.parse(command.last_event_id))

    async def _load(self, command: StreamReplyCommand) -> Message:
        async with self._uow() as uow:
            return await owned_message(
                uow,
                chatroom_id=command.chatroom_id,
                message_id=command.message_id,
                owner_id=command.principal.user_id,
            )

    async def _relay(
        self, command: StreamReplyCommand, message: Message, position: StreamPosition | None
    ) -> AsyncIterator[StreamItem]:
        if message.is_finished:
            for item in self._rest_of_record(message, position):
                yield item
            return
        deadline = time.monotonic() + self._policy.max_wait_seconds
        async for event in self._events.follow(message.id, idle_timeout=self._policy.heartbeat_seconds):
            if event is None:
                current = await self._load(command)
                if current.is_finished:
                    for item in self._rest_of_record(current, position):
                        yield item
                    return
                if time.monotonic() > deadline:
                    return
                yield StreamItem(kind=StreamItemKind.HEARTBEAT)
                continue
            if not _is_new(event, position):
                continue
            if _restarts(event, position):
                yield StreamItem(kind=StreamItemKind.RESET, id=StreamPosition(event.attempt, 0).format())
            position = StreamPosition(event.attempt, event.offset, final=event.is_final)
            if event.kind is ReplyEventKind.CHUNK:
                yield StreamItem(kind=StreamItemKind.CHUNK, id=position.format(), text=event.text)
                continue
            final = await self._load(command)
            if event.kind is ReplyEventKind.DONE:
                yield StreamItem(kind=StreamItemKind.DONE, id=position.format(), message=final)
            else:
                yield StreamItem(kind=StreamItemKind.ERROR, id=position.format(), error=event.error, message=final)
            return

    @staticmethod
    def _rest_of_record(message: Message, position: StreamPosition | None) -> list[StreamItem]:
        items: list[StreamItem] = []
        text = message.content
        if position is not None and position.attempt == message.attempt:
            text = text[position.offset :]
        elif position is not None and position.offset > 0:
            items.append(StreamItem(kind=StreamItemKind.RESET, id=StreamPosition(message.attempt, 0).format()))
        end = len(message.content)
        if text:
            items.append(
                StreamItem(kind=StreamItemKind.CHUNK, id=StreamPosition(message.attempt, end).format(), text=text)
            )
        final_id = StreamPosition(message.attempt, end, final=True).format()
        if message.status is MessageStatus.FAILED:
            items.append(StreamItem(kind=StreamItemKind.ERROR, id=final_id, error=message.error, message=message))
        else:
            items.append(StreamItem(kind=StreamItemKind.DONE, id=final_id, message=message))
        return items


def _is_new(event: ReplyEvent, position: StreamPosition | None) -> bool:
    if position is None or event.attempt > position.attempt:
        return True
    if event.attempt < position.attempt:
        return False
    return event.is_final or event.offset > position.offset


def _restarts(event: ReplyEvent, position: StreamPosition | None) -> bool:
    return position is not None and event.attempt > position.attempt and position.offset > 0
