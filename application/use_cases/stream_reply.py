from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import IdGenerator, RateLimiter, ReplyEvent, ReplyEventKind, ReplyEventStream
from application.services.live_sessions import LiveSessions
from application.services.ownership import owned_message
from application.services.placement import owned_placed_message
from application.use_cases.authenticate import Principal
from domain.chat import Message, MessageStatus, PlacedMessage
from domain.errors import DependencyUnavailable, TooManyRequests

log = logging.getLogger(__name__)


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
    # The user stopped the reply; what was written is kept.
    CANCELLED = "cancelled"
    # Nothing new yet; lets the transport keep the connection alive.
    HEARTBEAT = "heartbeat"
    # The session the stream was opened in has ended (logout, password change): the
    # stream ends here, and reconnecting needs a new sign-in.
    SESSION_ENDED = "session_ended"


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamItem:
    kind: StreamItemKind
    id: str | None = None
    text: str = ""
    message: PlacedMessage | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class _Slot:
    key: str
    holder: str


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
    # Streams one session may hold open at once, across every API process.
    max_per_session: int = 5

    @property
    def slot_ttl(self) -> timedelta:
        """An open stream renews its slot at least every heartbeat; a process that died
        with streams open frees their slots after this."""
        return timedelta(seconds=3 * self.heartbeat_seconds + 5)


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamReply:
    """Relay a reply as it is written, from wherever the client left off.

    A finished reply is answered from the database, so a client can resume even after
    the live events are gone; a live one is relayed from the reply event stream. A
    session holds at most ``max_per_session`` streams open, and each one ends at its
    next heartbeat once the session has ended.
    """

    uow: UnitOfWorkFactory
    events: ReplyEventStream
    policy: StreamPolicy
    limiter: RateLimiter
    sessions: LiveSessions
    ids: IdGenerator

    async def execute(self, command: StreamReplyCommand) -> AsyncIterator[StreamItem]:
        """Checks access and takes a stream slot before returning, so a missing reply or
        one stream too many is an error, not an empty stream."""
        message = await self._load(command)
        slot = _Slot(key=f"streams:{command.principal.session_id}", holder=self.ids.new_id())
        if not await self._occupy(slot):
            raise TooManyRequests(
                f"This session already has {self.policy.max_per_session} reply streams open. Close one first.",
                retry_after_seconds=int(self.policy.heartbeat_seconds) or 1,
            )
        return self._guarded(command, message, slot)

    async def _guarded(
        self, command: StreamReplyCommand, message: Message, slot: _Slot
    ) -> AsyncGenerator[StreamItem, None]:
        """The relay, while the session lives; the slot is held until the stream ends."""
        principal = command.principal
        next_check = time.monotonic() + self.policy.heartbeat_seconds
        try:
            relay = self._relay(command, message, StreamPosition.parse(command.last_event_id))
            async with contextlib.aclosing(relay) as items:
                async for item in items:
                    if time.monotonic() >= next_check:
                        if not await self.sessions.is_live(principal.user_id, principal.session_id):
                            yield StreamItem(kind=StreamItemKind.SESSION_ENDED)
                            return
                        await self._occupy(slot)
                        next_check = time.monotonic() + self.policy.heartbeat_seconds
                    yield item
        finally:
            # Shielded: a stream usually ends because its client went away, and the
            # framework's cancellation would otherwise cut this short.
            with contextlib.suppress(asyncio.CancelledError, DependencyUnavailable):
                await asyncio.shield(self.limiter.vacate(slot.key, slot.holder))

    async def _occupy(self, slot: _Slot) -> bool:
        try:
            return await self.limiter.occupy(
                slot.key, slot.holder, limit=self.policy.max_per_session, ttl=self.policy.slot_ttl
            )
        except DependencyUnavailable:
            # A brake, not a lock: the reply streams need Redis themselves, and the
            # bounded connection pool still caps what one process holds.
            log.warning("stream slots unavailable; stream allowed")
            return True

    async def _load(self, command: StreamReplyCommand) -> Message:
        async with self.uow() as uow:
            return await owned_message(
                uow,
                chatroom_id=command.chatroom_id,
                message_id=command.message_id,
                owner_id=command.principal.user_id,
            )

    async def _final(self, command: StreamReplyCommand) -> PlacedMessage:
        """The reply as stored, with its place among its versions: how a stream ends."""
        async with self.uow() as uow:
            return await owned_placed_message(
                uow,
                chatroom_id=command.chatroom_id,
                message_id=command.message_id,
                owner_id=command.principal.user_id,
            )

    async def _relay(
        self, command: StreamReplyCommand, message: Message, position: StreamPosition | None
    ) -> AsyncGenerator[StreamItem, None]:
        if message.is_finished:
            for item in self._rest_of_record(await self._final(command), position):
                yield item
            return
        follow = self.events.follow(message.id, idle_timeout=self.policy.heartbeat_seconds)
        async with (
            contextlib.aclosing(follow) as events,
            contextlib.aclosing(self._relay_events(command, events, position)) as items,
        ):
            async for item in items:
                yield item

    async def _relay_events(
        self,
        command: StreamReplyCommand,
        events: AsyncIterator[ReplyEvent | None],
        position: StreamPosition | None,
    ) -> AsyncGenerator[StreamItem, None]:
        deadline = time.monotonic() + self.policy.max_wait_seconds
        async for event in events:
            if event is None:
                if (await self._load(command)).is_finished:
                    for item in self._rest_of_record(await self._final(command), position):
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
            final = await self._final(command)
            if event.kind is ReplyEventKind.DONE:
                yield StreamItem(kind=StreamItemKind.DONE, id=position.format(), message=final)
            elif event.kind is ReplyEventKind.CANCELLED:
                yield StreamItem(kind=StreamItemKind.CANCELLED, id=position.format(), message=final)
            else:
                yield StreamItem(kind=StreamItemKind.ERROR, id=position.format(), error=event.error, message=final)
            return

    @staticmethod
    def _rest_of_record(placed: PlacedMessage, position: StreamPosition | None) -> list[StreamItem]:
        message = placed.message
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
            items.append(StreamItem(kind=StreamItemKind.ERROR, id=final_id, error=message.error, message=placed))
        elif message.status is MessageStatus.CANCELLED:
            items.append(StreamItem(kind=StreamItemKind.CANCELLED, id=final_id, message=placed))
        else:
            items.append(StreamItem(kind=StreamItemKind.DONE, id=final_id, message=placed))
        return items


def _is_new(event: ReplyEvent, position: StreamPosition | None) -> bool:
    if position is None or event.attempt > position.attempt:
        return True
    if event.attempt < position.attempt:
        return False
    return event.is_final or event.offset > position.offset


def _restarts(event: ReplyEvent, position: StreamPosition | None) -> bool:
    return position is not None and event.attempt > position.attempt and position.offset > 0
