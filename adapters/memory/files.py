from __future__ import annotations

from collections.abc import AsyncIterator
from typing import BinaryIO

from domain.errors import NotFound
from domain.files import checked_key

CHUNK = 64 * 1024


class InMemoryFileStore:
    """Files in a dict, for tests and ADAPTERS=memory."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}

    async def put(self, key: str, source: BinaryIO, *, size: int, content_type: str) -> None:
        key = checked_key(key)
        data = source.read(size)
        if len(data) != size:
            raise ValueError(f"expected {size} bytes, read {len(data)}")
        self.files[key] = (data, content_type)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        found = self.files.get(checked_key(key))
        if found is None:
            raise NotFound("File not found.")
        data = found[0]
        for start in range(0, len(data), CHUNK):
            yield data[start : start + CHUNK]

    async def delete(self, key: str) -> None:
        self.files.pop(checked_key(key), None)

    async def keys(self, prefix: str = "") -> list[str]:
        return sorted(key for key in self.files if key.startswith(prefix))
