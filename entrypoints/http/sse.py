"""Reply streams as Server-Sent Events: the framing of each item, an end that lets the
client resume elsewhere when this server shuts down, and cleanup when the client goes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from litestar.response import ServerSentEventMessage

from application.use_cases.stream_reply import StreamItem, StreamItemKind
from entrypoints.http.schemas.chatrooms import MessageBody
from entrypoints.http.schemas.common import encode_json

# Cleanup that must outlive the request's cancellation (see _finish).
_closing: set[asyncio.Task[None]] = set()


async def until_draining(
    items: AsyncIterator[StreamItem], draining: asyncio.Event | None
) -> AsyncIterator[StreamItem | None]:
    """The items, until the server starts shutting down; then one None and the end.

    When the client disconnects, the framework cancels this generator. The relay behind
    it is waiting on Redis (up to a heartbeat) in a task of its own: that task is
    cancelled, or the relay closed, so nothing lingers after the client has gone."""
    iterator = aiter(items)
    stop = asyncio.ensure_future(draining.wait()) if draining is not None else None
    following: asyncio.Future[StreamItem] | None = None
    try:
        while True:
            following = asyncio.ensure_future(anext(iterator))
            await asyncio.wait({following, stop} if stop is not None else {following}, return_when="FIRST_COMPLETED")
            if not following.done():
                yield None
                return
            try:
                item = following.result()
            except StopAsyncIteration:
                return
            yield item
    finally:
        if stop is not None:
            stop.cancel()
        _finish(iterator, following)


def _finish(iterator: AsyncIterator[StreamItem], following: asyncio.Future[StreamItem] | None) -> None:
    """End the relay without awaiting here: under the framework's cancellation every
    await in this frame would be cancelled too. A relay that is mid-step is cancelled
    (its own cleanup runs in its task); one paused between items is closed in a task."""
    if following is not None and not following.done():
        following.cancel()
        return
    close = getattr(iterator, "aclose", None)
    if close is not None:
        task = asyncio.ensure_future(close())
        _closing.add(task)
        task.add_done_callback(_closing.discard)


async def sse_messages(items: AsyncIterator[StreamItem | None]) -> AsyncIterator[ServerSentEventMessage]:
    last_id: str | None = None
    async for item in items:
        if item is None:
            # Shutting down: the client reconnects (to another instance) from where it was.
            yield ServerSentEventMessage(
                event="reconnect",
                id=last_id,
                retry=1000,
                data=json.dumps({"reason": "The server is restarting. Reconnect with Last-Event-ID."}),
            )
            return
        last_id = item.id or last_id
        yield _message(item)
        if item.kind is StreamItemKind.SESSION_ENDED:
            return


def _message(item: StreamItem) -> ServerSentEventMessage:
    if item.kind is StreamItemKind.HEARTBEAT:
        return ServerSentEventMessage(data=None, comment="keep-alive")
    if item.kind is StreamItemKind.CHUNK:
        return ServerSentEventMessage(event="chunk", id=item.id, data=json.dumps({"text": item.text}))
    if item.kind is StreamItemKind.RESET:
        return ServerSentEventMessage(event="reset", id=item.id, data="{}")
    if item.kind is StreamItemKind.SESSION_ENDED:
        error = {"code": "UNAUTHENTICATED", "message": "The session has ended. Sign in again."}
        return ServerSentEventMessage(event="unauthenticated", data=json.dumps({"error": error}))
    if item.kind in (StreamItemKind.DONE, StreamItemKind.CANCELLED):
        assert item.message is not None
        return ServerSentEventMessage(
            event=item.kind.value, id=item.id, data=encode_json(MessageBody.from_domain(item.message))
        )
    payload: dict[str, Any] = {"error": item.error}
    if item.message is not None:
        payload["message"] = json.loads(encode_json(MessageBody.from_domain(item.message)))
    return ServerSentEventMessage(event="error", id=item.id, data=json.dumps(payload))
