"""Files for Gemini: small ones travel inside the request (``inline_data``), large ones go
through the Gemini File API once (a resumable upload, answered with a ``file_uri``) and
are referenced by it (``file_data``) while Google keeps them (48 hours).

Which files were uploaded is remembered per process, by content (sha256 and type): the
same photo sent again, in this chat or another, is not uploaded again while its uri is
valid. Another worker process uploads it once more; that costs bandwidth, not money."""

from __future__ import annotations

import asyncio
import base64
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from adapters.llm.wire import ModelHttpSettings, error_for_status, file_bytes, json_object
from application.ports.services import FileStore, LanguageModelError
from domain.uploads import Attachment

# Gemini refuses requests over 20 MB; base64 makes inline bytes a third larger.
DEFAULT_INLINE_MAX_BYTES = 14 * 1024 * 1024
# A uri is used until this long before Google forgets the file.
_EXPIRY_MARGIN_SECONDS = 3600
_REMEMBERED = 1000
# A file still being processed is asked about this often, this many times.
_POLL_SECONDS = 1.0
_POLLS = 60


@dataclass(frozen=True, slots=True)
class _Uploaded:
    uri: str
    valid_until: float


class GeminiFiles:
    def __init__(
        self,
        client: httpx.AsyncClient,
        settings: ModelHttpSettings,
        files: FileStore,
        *,
        inline_max_bytes: int = DEFAULT_INLINE_MAX_BYTES,
    ) -> None:
        self._client = client
        self._settings = settings
        self._files = files
        self.inline_max_bytes = inline_max_bytes
        base = settings.base_url.rstrip("/")
        self._start_url = f"{base}/upload/v1beta/files"
        self._api = f"{base}/v1beta"
        self._origin = urlsplit(base)[:2]
        self._uploaded: OrderedDict[tuple[str, str], _Uploaded] = OrderedDict()

    async def parts(self, attachments: list[Attachment], room: int) -> tuple[list[dict[str, Any]], int]:
        """Each file as a part, in order: inline while ``room`` (the bytes the request may
        still carry inline) lasts, through the File API beyond it; and the room left."""
        parts = []
        for attachment in attachments:
            if attachment.size_bytes <= room:
                room -= attachment.size_bytes
                data = base64.b64encode(await file_bytes(self._files, attachment)).decode()
                parts.append({"inline_data": {"mime_type": attachment.mime_type, "data": data}})
            else:
                uri = await self._uri(attachment)
                parts.append({"file_data": {"mime_type": attachment.mime_type, "file_uri": uri}})
        return parts, room

    async def _uri(self, attachment: Attachment) -> str:
        key = (attachment.sha256, attachment.mime_type)
        known = self._uploaded.get(key)
        if known is not None and known.valid_until > time.time():
            self._uploaded.move_to_end(key)
            return known.uri
        try:
            uploaded = await self._upload(attachment)
        except (httpx.TimeoutException, httpx.TransportError):
            raise LanguageModelError(
                "The AI service could not take the files right now. Please try again.", transient=True, kind="upload"
            ) from None
        self._uploaded[key] = uploaded
        while len(self._uploaded) > _REMEMBERED:
            self._uploaded.popitem(last=False)
        return uploaded.uri

    async def _upload(self, attachment: Attachment) -> _Uploaded:
        data = await file_bytes(self._files, attachment)
        started = await self._client.post(
            self._start_url,
            headers=self._headers()
            | {
                "x-goog-upload-protocol": "resumable",
                "x-goog-upload-command": "start",
                "x-goog-upload-header-content-length": str(len(data)),
                "x-goog-upload-header-content-type": attachment.mime_type,
            },
            json={"file": {"display_name": attachment.id}},
        )
        if started.status_code != 200:
            raise error_for_status(started.status_code)
        upload_url = started.headers.get("x-goog-upload-url", "")
        # The key goes with the bytes: only ever to the service it belongs to.
        if urlsplit(upload_url)[:2] != self._origin:
            raise error_for_status(502)
        finished = await self._client.post(
            upload_url,
            headers=self._headers() | {"x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "0"},
            content=data,
        )
        if finished.status_code != 200:
            raise error_for_status(finished.status_code)
        file = json_object(finished.text).get("file") or {}
        file = await self._until_active(file)
        uri = file.get("uri")
        if not isinstance(uri, str) or not uri:
            raise error_for_status(502)
        return _Uploaded(uri=uri, valid_until=_valid_until(file.get("expirationTime")))

    async def _until_active(self, file: dict[str, Any]) -> dict[str, Any]:
        """A PDF may be PROCESSING for a moment: it can be referenced once ACTIVE."""
        for _ in range(_POLLS):
            state = file.get("state", "ACTIVE")
            if state == "ACTIVE":
                return file
            if state != "PROCESSING":
                raise LanguageModelError(
                    "The AI service could not read one of the files.", transient=False, kind="file_rejected"
                )
            await asyncio.sleep(_POLL_SECONDS)
            response = await self._client.get(f"{self._api}/{file.get('name', '')}", headers=self._headers())
            if response.status_code != 200:
                raise error_for_status(response.status_code)
            file = json_object(response.text)
        raise error_for_status(503)

    def _headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self._settings.api_key or ""}


def _valid_until(expiration: Any) -> float:
    """When to stop using a uri: an hour before Google's expirationTime (RFC 3339)."""
    try:
        expires = datetime.fromisoformat(str(expiration).replace("Z", "+00:00")).timestamp()
    except ValueError:
        expires = time.time() + 47 * 3600
    return expires - _EXPIRY_MARGIN_SECONDS
