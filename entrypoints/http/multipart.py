"""One file from a multipart/form-data body, read as it streams in and cut off at its
limit: a 2 GB upload costs a limit's worth of reading, never its size in memory (what is
kept spills to a temporary file past 1 MiB)."""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass
from typing import Any, BinaryIO

from litestar import Request
from multipart import MultipartError, MultipartSegment, PushMultipartParser  # type: ignore[import-untyped]

from domain.errors import BadRequest, TooLarge, UnsupportedMediaType

FIELD = "file"
# Room for the form's own framing (boundaries, part headers) around the file.
FRAMING_BYTES = 16 * 1024
IN_MEMORY_BYTES = 1024 * 1024


@dataclass(slots=True)
class ReceivedFile:
    filename: str | None
    file: BinaryIO
    size: int


def _too_large(limit: int) -> TooLarge:
    return TooLarge(f"The file is larger than {limit / (1024 * 1024):g} MB, the most your plan takes.")


async def receive_file(request: Request[Any, Any, Any], *, limit: int) -> ReceivedFile:
    """The single file sent in the part named ``file``. 413 past ``limit`` bytes (before
    reading anything when Content-Length says so), 415 for another body type, 400 for a
    malformed form or one without exactly one file."""
    kind, params = request.content_type
    boundary = params.get("boundary")
    if kind != "multipart/form-data" or not boundary:
        raise UnsupportedMediaType("Send the file as multipart/form-data, in one part named file.")
    announced = request.headers.get("content-length")
    if announced is not None and announced.isdigit() and int(announced) > limit + FRAMING_BYTES:
        raise _too_large(limit)
    kept: BinaryIO = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # type: ignore[assignment]  # noqa: SIM115 - handed to the caller
    try:
        received = await _read(request, boundary.encode(), kept, limit)
    except BaseException:
        kept.close()
        raise
    return received


async def _read(request: Request[Any, Any, Any], boundary: bytes, kept: BinaryIO, limit: int) -> ReceivedFile:
    streamed, size, files = 0, 0, 0
    filename: str | None = None
    in_file = False
    stream = request.stream()
    try:
        with PushMultipartParser(boundary, max_segment_count=8) as parser:
            while not parser.closed:
                chunk = await anext(stream, b"")
                streamed += len(chunk)
                if streamed > limit + FRAMING_BYTES:
                    raise _too_large(limit)
                for part in parser.parse(chunk):
                    if isinstance(part, MultipartSegment):
                        in_file = part.name == FIELD and part.filename is not None
                        if in_file:
                            files += 1
                            filename = part.filename
                    elif part and in_file:
                        size += len(part)
                        if size > limit:
                            raise _too_large(limit)
                        kept.write(part)
    except MultipartError:
        # Malformed, cut short, or past the parser's own limits (parts, header sizes).
        raise BadRequest("The multipart/form-data body is malformed.") from None
    finally:
        with contextlib.suppress(Exception):
            await stream.aclose()
    if files != 1:
        raise BadRequest("Send exactly one file, in the part named file.")
    kept.seek(0)
    return ReceivedFile(filename=filename, file=kept, size=size)
