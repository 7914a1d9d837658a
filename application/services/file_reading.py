"""Reading a stored file so that a missing one is known before a byte is passed on."""

from __future__ import annotations

from collections.abc import AsyncIterator

from application.ports.services import FileStore


async def opened(files: FileStore, key: str) -> AsyncIterator[bytes]:
    """The file's bytes; raises NotFound here, not half way through a download or an
    archive entry, when nothing is stored under ``key``."""
    content = files.read(key)
    first = await anext(content, b"")
    return _starting_with(first, content)


async def _starting_with(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if first:
        yield first
    async for piece in rest:
        yield piece
