"""Archives as zip files, spooled to a temporary file (an export can be large).

Reading one somebody uploaded guards against what a stranger can put in a zip: every
entry is read through a cap on its unpacked size, and the entries' sizes together are
capped before anything is read, so a small bomb cannot fill the memory or the disk."""

from __future__ import annotations

import io
import tempfile
import time
import zipfile
from collections.abc import AsyncIterator, Iterator
from typing import IO, Any, BinaryIO

import msgspec

from domain.errors import ValidationError

# What one import unpacks to at most, all entries together.
MAX_UNPACKED_BYTES = 2 * 1024**3
# A lone document (ChatGPT's conversations.json) or the archive's JSON entries: read
# whole and decoded in memory, so bounded well below the archive itself.
MAX_DOCUMENT_BYTES = 256 * 1024**2
_CONVERSATIONS = "conversations.json"


def _invalid(reason: str) -> ValidationError:
    return ValidationError.for_field("file", reason)


def _entry(name: str, compression: int) -> zipfile.ZipInfo:
    """An entry dated now (a streamed entry would otherwise say 1980)."""
    info = zipfile.ZipInfo(name, date_time=time.gmtime()[:6])
    info.compress_type = compression
    return info


class ZipArchiveWriter:
    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller by finish()
        self._zip = zipfile.ZipFile(self._file, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)

    async def write_lines(self, name: str, records: AsyncIterator[Any]) -> int:
        count = 0
        with self._zip.open(_entry(name, zipfile.ZIP_DEFLATED), "w", force_zip64=True) as entry:
            async for record in records:
                entry.write(msgspec.json.encode(record) + b"\n")
                count += 1
        return count

    async def write_document(self, name: str, record: Any) -> None:
        self._zip.writestr(
            _entry(name, zipfile.ZIP_DEFLATED), msgspec.json.format(msgspec.json.encode(record), indent=2)
        )

    async def write_file(self, name: str, chunks: AsyncIterator[bytes]) -> None:
        # Photos and PDFs are compressed already: stored as they are.
        with self._zip.open(_entry(name, zipfile.ZIP_STORED), "w", force_zip64=True) as entry:
            async for chunk in chunks:
                entry.write(chunk)

    async def finish(self) -> tuple[BinaryIO, int]:
        self._zip.close()
        size = self._file.tell()
        self._file.seek(0)
        return self._file, size  # type: ignore[return-value]

    def discard(self) -> None:
        self._zip.close()
        self._file.close()


class ZipImportedArchive:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self._zip = archive
        self._names = {info.filename for info in archive.infolist() if not info.is_dir()}

    def names(self) -> set[str]:
        return self._names

    def document(self, name: str) -> Any:
        data = self._read(name, MAX_DOCUMENT_BYTES)
        if data is None:
            raise _invalid(f"has no {name} of at most {MAX_DOCUMENT_BYTES // 1024**2} MB")
        try:
            return msgspec.json.decode(data)
        except msgspec.DecodeError:
            raise _invalid(f"{name} is not valid JSON") from None

    def lines(self, name: str) -> Iterator[Any]:
        data = self._read(name, MAX_DOCUMENT_BYTES)
        for line in (data or b"").splitlines():
            try:
                yield msgspec.json.decode(line)
            except msgspec.DecodeError:
                continue

    def file(self, name: str, *, max_bytes: int) -> BinaryIO | None:
        data = self._read(name, max_bytes)
        return io.BytesIO(data) if data is not None else None

    def _read(self, name: str, limit: int) -> bytes | None:
        if name not in self._names:
            return None
        info = self._zip.getinfo(name)
        if info.file_size > limit:
            return None
        try:
            with self._zip.open(info) as entry:
                # The header's size may lie: never read past the cap.
                data = entry.read(limit + 1)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
            raise _invalid(f"has an entry that cannot be read: {name[:100]}") from None
        return data if len(data) <= limit else None


class JsonDocument:
    """A lone JSON document brought to import (ChatGPT's conversations.json)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def names(self) -> set[str]:
        return {_CONVERSATIONS}

    def document(self, name: str) -> Any:
        if name != _CONVERSATIONS:
            raise _invalid(f"has no {name}")
        try:
            return msgspec.json.decode(self._data)
        except msgspec.DecodeError:
            raise _invalid(
                "is neither a zip archive nor a JSON document (such as ChatGPT's conversations.json)"
            ) from None

    def lines(self, name: str) -> Iterator[Any]:
        return iter(())

    def file(self, name: str, *, max_bytes: int) -> BinaryIO | None:
        return None


class ZipArchives:
    def writer(self) -> ZipArchiveWriter:
        return ZipArchiveWriter()

    def open(self, source: BinaryIO, *, size: int) -> ZipImportedArchive | JsonDocument:
        start = source.read(4)
        source.seek(0)
        if start.startswith(b"PK"):
            return self._zip(source)
        if size > MAX_DOCUMENT_BYTES:
            raise _invalid(f"is larger than {MAX_DOCUMENT_BYTES // 1024**2} MB")
        return JsonDocument(source.read())

    @staticmethod
    def _zip(source: BinaryIO) -> ZipImportedArchive:
        try:
            archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError, EOFError):
            raise _invalid("is not a zip archive that can be read") from None
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise _invalid(f"would unpack to more than {MAX_UNPACKED_BYTES // 1024**3} GB")
        return ZipImportedArchive(archive)
