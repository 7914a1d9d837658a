"""The file store: in memory, on the local disk and in an S3-compatible object store
(moto's server over HTTP) alike."""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from adapters.files.local import LocalFileStore
from adapters.files.s3 import S3FileStore, S3Settings
from adapters.memory.files import InMemoryFileStore
from application.ports.services import FileStore
from domain.errors import NotFound
from tests.fakes.s3_server import ACCESS_KEY, REGION, SECRET_KEY, S3Server

_buckets = itertools.count(1)


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture(params=["memory", "local", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[FileStore]:
    if request.param == "memory":
        yield InMemoryFileStore()
    elif request.param == "local":
        yield LocalFileStore(tmp_path / "files")
    else:
        server: S3Server = request.getfixturevalue("s3_server")
        s3 = S3FileStore(
            S3Settings(
                bucket=server.create_bucket(f"files-{next(_buckets)}"),
                endpoint_url=server.url,
                region=REGION,
                access_key_id=ACCESS_KEY,
                secret_access_key=SECRET_KEY,
            )
        )
        yield s3
        await s3.close()


async def _read(store: FileStore, key: str) -> bytes:
    return b"".join([piece async for piece in store.read(key)])


async def test_a_file_is_stored_read_back_whole_and_replaced(store: FileStore) -> None:
    data = os.urandom(700_000)  # several pieces
    source = io.BytesIO(b"skip" + data)
    source.seek(4)
    await store.put("owner-1/file-1", source, size=len(data), content_type="image/png")
    assert await _read(store, "owner-1/file-1") == data
    await store.put("owner-1/file-1", io.BytesIO(b"new"), size=3, content_type="text/plain")
    assert await _read(store, "owner-1/file-1") == b"new"
    empty = io.BytesIO(b"")
    await store.put("owner-1/empty", empty, size=0, content_type="text/plain")
    assert await _read(store, "owner-1/empty") == b""


async def test_keys_are_listed_by_prefix_and_deleting_is_idempotent(store: FileStore) -> None:
    for key in ("ada/1", "ada/2", "bob/1"):
        await store.put(key, io.BytesIO(b"x"), size=1, content_type="text/plain")
    assert await store.keys("ada/") == ["ada/1", "ada/2"]
    assert await store.keys() == ["ada/1", "ada/2", "bob/1"]
    await store.delete("ada/1")
    await store.delete("ada/1")  # already gone: nothing to do
    await store.delete("nobody/never")
    assert await store.keys() == ["ada/2", "bob/1"]
    with pytest.raises(NotFound):
        await _read(store, "ada/1")


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a/../../b", "a//b", "a/.hidden", "a b", "", "a/" * 5 + "a"])
async def test_a_key_that_is_not_made_of_safe_segments_never_reaches_storage(store: FileStore, key: str) -> None:
    with pytest.raises(ValueError, match="not a storage key"):
        await store.put(key, io.BytesIO(b"x"), size=1, content_type="text/plain")
    with pytest.raises(ValueError, match="not a storage key"):
        await _read(store, key)
    with pytest.raises(ValueError, match="not a storage key"):
        await store.delete(key)
    assert await store.keys() == []


async def test_a_short_source_stores_nothing(store: FileStore) -> None:
    with pytest.raises(ValueError):
        await store.put("ada/short", io.BytesIO(b"abc"), size=10, content_type="text/plain")
    assert await store.keys() == []
