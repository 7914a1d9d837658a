from __future__ import annotations

import asyncio
import io
import json
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from application.ports.services import FileStore, LanguageModelError, ModelChunk
from domain.context import Turn
from domain.errors import NotFound
from domain.models import ModelOffer
from domain.uploads import Attachment, UploadKind

DECLINED = "The model declined to answer this message."
MISCONFIGURED = "The AI service is not configured correctly. Please try again later."
UNAVAILABLE = "The AI service is busy or unavailable right now. Please try again."
UNPROCESSABLE = "The AI service could not process this conversation."
TIMED_OUT = "The AI service took too long to answer. Please try again."


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelHttpSettings:
    base_url: str
    api_key: str | None
    # The defaults for a prompt that names no model (or temperature).
    model: str
    temperature: float = 0.7
    max_output_tokens: int = 1024
    # Give up on one call after this long in total (between chunks, the client's read
    # timeout applies).
    total_timeout: float = 90.0
    # Retries inside one call, only before the first chunk (a chunk already shown cannot
    # be taken back); longer waits go back to the job queue with the delay.
    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_server_delay: float = 10.0

    def model_name(self, offer: ModelOffer | None) -> str:
        """What the provider is asked for: the catalogue's model, or this adapter's default."""
        return offer.id if offer is not None else self.model

    def output_limit(self, offer: ModelOffer | None) -> int:
        return offer.output_limit if offer is not None else self.max_output_tokens

    def delay(self, attempt: int, server_delay: float | None) -> float:
        if server_delay is not None:
            return server_delay
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))  # noqa: S311 - jitter


def create_http_client(*, connect_timeout: float, read_timeout: float) -> httpx.AsyncClient:
    """One pooled client per process for all model calls."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(connect=connect_timeout, read=read_timeout, write=10.0, pool=10.0),
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        follow_redirects=False,
    )


async def sse_data(response: httpx.Response) -> AsyncIterator[str]:
    """The ``data`` of each server-sent event, for LF and CRLF line ends alike."""
    data: list[str] = []
    async for line in response.aiter_lines():
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        field, _, value = line.partition(":")
        if field == "data":
            data.append(value[1:] if value.startswith(" ") else value)
    if data:
        yield "\n".join(data)


def error_for_status(status: int, *, retry_after: float | None = None, bad_key: bool = False) -> LanguageModelError:
    """The upstream status as a LanguageModelError whose reason is safe to show a user:
    never the upstream body, which may echo the request or name the key."""
    if status == 429:
        return LanguageModelError(UNAVAILABLE, transient=True, kind="rate_limited", retry_after=retry_after)
    if status >= 500:
        return LanguageModelError(UNAVAILABLE, transient=True, kind="server_error", retry_after=retry_after)
    if status in (401, 403, 404) or bad_key:
        return LanguageModelError(MISCONFIGURED, transient=False, kind="misconfigured")
    return LanguageModelError(UNPROCESSABLE, transient=False, kind="bad_request")


def declined() -> LanguageModelError:
    return LanguageModelError(DECLINED, transient=False, kind="refused")


def bad_response() -> LanguageModelError:
    return LanguageModelError(UNAVAILABLE, transient=True, kind="bad_response")


def json_object(data: str) -> dict[str, Any]:
    """One JSON object from the wire; anything else is a bad (transient) response."""
    try:
        parsed = json.loads(data)
    except ValueError:
        raise bad_response() from None
    if not isinstance(parsed, dict):
        raise bad_response()
    return parsed


def parse_seconds(value: Any) -> float | None:
    """``"22s"``, ``"1.5s"``, ``"3"`` -> seconds; anything else -> None."""
    if not isinstance(value, str):
        return None
    try:
        return max(0.0, float(value.strip().removesuffix("s")))
    except ValueError:
        return None


async def stream_with_retries(
    settings: ModelHttpSettings, call: Callable[[float], AsyncIterator[ModelChunk]]
) -> AsyncIterator[ModelChunk]:
    """Run ``call(deadline)``, retrying transient failures that happen before the first
    chunk, with exponential backoff and full jitter (or the server's own delay when it
    is short). Transport errors and timeouts become transient LanguageModelErrors."""
    attempt = 0
    while True:
        started = False
        deadline = time.monotonic() + settings.total_timeout
        try:
            async for chunk in call(deadline):
                started = True
                yield chunk
            return
        except LanguageModelError as error:
            failure = error
        except (httpx.TimeoutException, TimeoutError):
            failure = LanguageModelError(TIMED_OUT, transient=True, kind="timeout")
        except httpx.TransportError:
            failure = LanguageModelError(UNAVAILABLE, transient=True, kind="unreachable")
        attempt += 1
        server_delay = failure.retry_after
        too_long = server_delay is not None and server_delay > settings.max_server_delay
        if not failure.transient or started or attempt >= settings.attempts or too_long:
            raise failure
        await asyncio.sleep(settings.delay(attempt - 1, server_delay))


def check_deadline(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise TimeoutError


# Attachments: what both wire formats share.

UNREADABLE = "This conversation's files could not be read. Please send them again."


async def file_bytes(files: FileStore, attachment: Attachment) -> bytes:
    """An attachment's stored bytes; a file gone from the store fails the reply plainly."""
    try:
        return b"".join([piece async for piece in files.read(attachment.storage_key)])
    except NotFound:
        raise LanguageModelError(UNREADABLE, transient=False, kind="file_missing") from None


async def file_text(files: FileStore, attachment: Attachment) -> str:
    """A text file's or a PDF's words, framed with the file's name, for a model that reads
    them as text (a PDF's pictures are not in it)."""
    data = await file_bytes(files, attachment)
    if attachment.kind is UploadKind.PDF:
        text = await asyncio.to_thread(_pdf_text, data)
    else:
        text = data.decode("utf-8", errors="replace")
    return f"[File {attachment.filename}, {attachment.described}]\n{text}\n[End of {attachment.filename}]"


def unseen(attachment: Attachment, model: str) -> str:
    """In place of an image a model cannot see (it changed since the image was sent)."""
    return f"[Image {attachment.filename} ({attachment.described}) was sent here; {model} cannot see images.]"


def turn_text(turn: Turn) -> str:
    """A turn's words, or (a message of files alone) what was sent: for titles."""
    if turn.text or not turn.attachments:
        return turn.text
    return "[Sent " + ", ".join(a.filename for a in turn.attachments) + "]"


def _pdf_text(data: bytes) -> str:
    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        raise LanguageModelError(UNREADABLE, transient=False, kind="file_unreadable") from None
