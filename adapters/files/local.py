"""Files on the local disk, under one folder. Keys map to paths made only of safe
segments (``domain.files``), and every path is checked to stay inside the folder."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from domain.errors import NotFound
from domain.files import checked_key

CHUNK = 256 * 1024


class LocalFileStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / checked_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"key {key!r} leaves the store")
        return path

    async def put(self, key: str, source: BinaryIO, *, size: int, content_type: str) -> None:
        await asyncio.to_thread(self._write, self._path(key), source, size)

    @staticmethod
    def _write(path: Path, source: BinaryIO, size: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed over it: a reader sees the old file or the new.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                left = size
                while left:
                    piece = source.read(min(CHUNK, left))
                    if not piece:
                        raise ValueError(f"expected {size} bytes, {left} missing")
                    out.write(piece)
                    left -= len(piece)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def read(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise NotFound("File not found.") from None
        try:
            while piece := await asyncio.to_thread(handle.read, CHUNK):
                yield piece
        finally:
            handle.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def keys(self, prefix: str = "") -> list[str]:
        return await asyncio.to_thread(self._keys, prefix)

    def _keys(self, prefix: str) -> list[str]:
        if not self.root.is_dir():
            return []
        found = (
            path.relative_to(self.root).as_posix()
            for path in self.root.rglob("*")
            if path.is_file() and not path.name.startswith(".part-")
        )
        return sorted(key for key in found if key.startswith(prefix))
