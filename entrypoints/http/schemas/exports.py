"""Exports and imports."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from msgspec import Struct

from application.use_cases.export_chats import ExportState
from application.use_cases.get_model_choices import ModelChoices
from application.use_cases.import_chats import ImportedChats
from domain.exports import ExportStatus
from entrypoints.http.schemas.chatrooms import ChatroomResponse


class ExportResponse(Struct):
    id: str
    # pending -> writing -> ready (or failed); ready turns expired a day after it was written.
    status: Literal["pending", "writing", "ready", "failed", "expired"]
    chatrooms_total: int
    chatrooms_done: int
    created_at: datetime
    finished_at: datetime | None
    # Until when the archive can be downloaded (ready only).
    expires_at: datetime | None
    size_bytes: int | None
    # Where the archive is downloaded from, with your access token (ready only); a path
    # on this API.
    download_path: str | None

    @classmethod
    def from_domain(cls, state: ExportState) -> ExportResponse:
        export = state.export
        ready = state.status is ExportStatus.READY
        return cls(
            id=export.id,
            status=state.status.value,
            chatrooms_total=export.chatrooms_total,
            chatrooms_done=export.chatrooms_done,
            created_at=export.created_at,
            finished_at=export.finished_at,
            expires_at=export.expires_at if ready else None,
            size_bytes=export.size_bytes if ready else None,
            download_path=f"/exports/{export.id}/archive" if ready else None,
        )


class ImportResponse(Struct):
    # The chats made, in the order of the file.
    chatrooms: list[ChatroomResponse]
    messages: int
    # Files the messages carried that were kept (a file missing, too large or of a kind
    # not taken is named in its message's text instead).
    files: int

    @classmethod
    def from_domain(cls, imported: ImportedChats, choices: ModelChoices) -> ImportResponse:
        return cls(
            chatrooms=[ChatroomResponse.from_domain(c, choices) for c in imported.chatrooms],
            messages=imported.messages,
            files=imported.files,
        )
