"""Files in any S3-compatible object store (AWS S3, MinIO, Cloudflare R2, GCS's S3 API)
through aiobotocore: one client per process, opened on first use."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from aiobotocore.session import get_session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from domain.errors import DependencyUnavailable, NotFound
from domain.files import checked_key

CHUNK = 256 * 1024
UNAVAILABLE = "File storage is unavailable right now. Please try again."


@dataclass(frozen=True, slots=True, kw_only=True)
class S3Settings:
    bucket: str
    # None: AWS itself; else the store's address (http://127.0.0.1:9000 for MinIO).
    endpoint_url: str | None = None
    region: str = "us-east-1"
    # None: the usual AWS credential chain (environment, profile, instance role).
    access_key_id: str | None = None
    secret_access_key: str | None = None


class S3FileStore:
    def __init__(self, settings: S3Settings) -> None:
        self._settings = settings
        self._stack = contextlib.AsyncExitStack()
        self._client: Any = None
        self._opening = asyncio.Lock()

    async def _s3(self) -> Any:
        async with self._opening:
            if self._client is None:
                s = self._settings
                self._client = await self._stack.enter_async_context(
                    get_session().create_client(
                        "s3",
                        region_name=s.region,
                        endpoint_url=s.endpoint_url,
                        aws_access_key_id=s.access_key_id,
                        aws_secret_access_key=s.secret_access_key,
                        # Path-style addressing works with every S3-compatible store.
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
                    )
                )
        return self._client

    async def put(self, key: str, source: BinaryIO, *, size: int, content_type: str) -> None:
        key = checked_key(key)
        # Read whole (uploads are a few MB at most): a short source is caught here, before
        # the store is told a length it would wait for.
        data = await asyncio.to_thread(source.read, size)
        if len(data) != size:
            raise ValueError(f"expected {size} bytes, read {len(data)}")
        s3 = await self._s3()
        with _unavailable_on_failure():
            await s3.put_object(Bucket=self._settings.bucket, Key=key, Body=data, ContentType=content_type)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        key = checked_key(key)
        s3 = await self._s3()
        try:
            found = await s3.get_object(Bucket=self._settings.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise NotFound("File not found.") from None
            raise DependencyUnavailable(UNAVAILABLE) from error
        except BotoCoreError as error:
            raise DependencyUnavailable(UNAVAILABLE) from error
        async with found["Body"] as body:
            while piece := await body.read(CHUNK):
                yield piece

    async def delete(self, key: str) -> None:
        key = checked_key(key)
        s3 = await self._s3()
        with _unavailable_on_failure():
            await s3.delete_object(Bucket=self._settings.bucket, Key=key)

    async def keys(self, prefix: str = "") -> list[str]:
        s3 = await self._s3()
        found: list[str] = []
        with _unavailable_on_failure():
            pages = s3.get_paginator("list_objects_v2").paginate(Bucket=self._settings.bucket, Prefix=prefix)
            async for page in pages:
                found += [item["Key"] for item in page.get("Contents", [])]
        return sorted(found)

    async def close(self) -> None:
        await self._stack.aclose()
        self._client = None


@contextlib.contextmanager
def _unavailable_on_failure() -> Iterator[None]:
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise DependencyUnavailable(UNAVAILABLE) from error
