from __future__ import annotations

from typing import Any
from urllib.parse import quote
from uuid import UUID

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream

from application.use_cases.authenticate import Principal
from application.use_cases.manage_uploads import (
    AllowUpload,
    DeleteUpload,
    GetUpload,
    StoreUpload,
    StoreUploadCommand,
)
from domain.uploads import UPLOAD_CEILING_BYTES
from entrypoints.http.dependencies import BEARER_AUTH
from entrypoints.http.multipart import receive_file
from entrypoints.http.openapi import errors
from entrypoints.http.schemas.uploads import UploadResponse


class UploadController(Controller):
    path = "/uploads"
    tags = ["uploads"]
    security = BEARER_AUTH

    @post(
        "/",
        status_code=201,
        responses=errors(400, 401, 413, 415, 429),
        # Each upload is cut off at its own plan's limit as it streams in; this is the bound.
        request_max_body_size=UPLOAD_CEILING_BYTES + 64 * 1024,
    )
    async def upload_file(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        allow_upload: NamedDependency[AllowUpload],
        store_upload: NamedDependency[StoreUpload],
    ) -> UploadResponse:
        """Upload one file as `multipart/form-data`, in a part named `file`: a PNG, JPEG,
        WebP or GIF image (its first frame), a PDF, or UTF-8 text (txt, md, csv, json, source
        code). What it is comes from its bytes, never its name or Content-Type: anything
        else, or an image or PDF that does not open, is 415. Images are kept without their
        metadata (EXIF GPS and camera data). Basic takes 5 MB a file and 20 uploads a UTC
        day, Pro 20 MB and 200: a larger file is cut off at the limit with 413, one upload
        too many is 429 with Retry-After."""
        limit = await allow_upload.execute(principal)
        received = await receive_file(request, limit=limit)
        try:
            upload = await store_upload.execute(
                StoreUploadCommand(
                    principal=principal, filename=received.filename, source=received.file, size=received.size
                )
            )
        finally:
            received.file.close()
        return UploadResponse.from_domain(upload)

    @get("/{upload_id:uuid}", responses=errors(400, 401, 404), response_description="The file's bytes")
    async def download_upload(
        self, principal: NamedDependency[Principal], upload_id: FromPath[UUID], get_upload: NamedDependency[GetUpload]
    ) -> Stream:
        """Your file's bytes, as a download (never shown inline), with the type it was
        kept as. Anybody else's upload is 404, like a missing one."""
        opened = await get_upload.execute(principal, str(upload_id))
        upload = opened.upload
        return Stream(
            opened.content,
            media_type=upload.mime_type,
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(upload.filename, safe='')}",
                "Content-Length": str(upload.size_bytes),
                "Cache-Control": "private, no-store",
            },
        )

    @delete("/{upload_id:uuid}", status_code=204, responses=errors(400, 401, 403, 404))
    async def delete_upload(
        self,
        principal: NamedDependency[Principal],
        upload_id: FromPath[UUID],
        delete_upload: NamedDependency[DeleteUpload],
    ) -> None:
        """Delete your upload and its bytes."""
        await delete_upload.execute(principal, str(upload_id))
