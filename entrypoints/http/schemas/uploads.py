"""Uploaded files."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from msgspec import Struct

from domain.uploads import Upload


class UploadResponse(Struct):
    id: str
    # The name it was sent with, cleaned (no folders, no control characters).
    filename: str
    # Decided by the file's bytes, never by its name or the Content-Type it was sent with.
    kind: Literal["image", "pdf", "text"]
    mime_type: str
    # As kept: an image is stored again without its metadata, so it may differ from what was sent.
    size_bytes: int
    sha256: str
    created_at: datetime
    # Images: their size in pixels. PDFs: their pages.
    width: int | None
    height: int | None
    pages: int | None

    @classmethod
    def from_domain(cls, upload: Upload) -> UploadResponse:
        return cls(
            id=upload.id,
            filename=upload.filename,
            kind=upload.kind.value,
            mime_type=upload.mime_type,
            size_bytes=upload.size_bytes,
            sha256=upload.sha256,
            created_at=upload.created_at,
            width=upload.width,
            height=upload.height,
            pages=upload.pages,
        )
