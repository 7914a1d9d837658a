"""Taking your chats away: an export is a background job that writes every chat of its
owner into one archive, downloadable by the owner for a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.errors import Conflict

# How long a finished archive can be downloaded; then its bytes are deleted.
EXPORT_LIFETIME = timedelta(hours=24)


class ExportStatus(StrEnum):
    PENDING = "pending"
    WRITING = "writing"
    READY = "ready"
    FAILED = "failed"
    # Ready once, and past its day: the archive is gone.
    EXPIRED = "expired"


@dataclass(slots=True, kw_only=True)
class Export:
    id: str
    owner_id: str
    status: ExportStatus
    created_at: datetime
    chatrooms_total: int = 0
    chatrooms_done: int = 0
    size_bytes: int | None = None
    finished_at: datetime | None = None

    @classmethod
    def requested(cls, *, id: str, owner_id: str, now: datetime) -> Export:
        return cls(id=id, owner_id=owner_id, status=ExportStatus.PENDING, created_at=now)

    @property
    def storage_key(self) -> str:
        # Under the owner's own prefix, never among the uploads (``owner/upload``).
        return f"exports/{self.owner_id}/{self.id}"

    @property
    def expires_at(self) -> datetime | None:
        return self.finished_at + EXPORT_LIFETIME if self.finished_at and self.status is ExportStatus.READY else None

    @property
    def is_unfinished(self) -> bool:
        return self.status in (ExportStatus.PENDING, ExportStatus.WRITING)

    def status_at(self, now: datetime) -> ExportStatus:
        expires_at = self.expires_at
        return ExportStatus.EXPIRED if expires_at is not None and now >= expires_at else self.status

    def start(self, *, chatrooms: int) -> None:
        if not self.is_unfinished:
            raise Conflict("This export has already finished.")
        self.status = ExportStatus.WRITING
        self.chatrooms_total = chatrooms
        self.chatrooms_done = 0

    def advance(self, chatrooms_done: int) -> None:
        self.chatrooms_done = min(chatrooms_done, self.chatrooms_total)

    def finish(self, *, size_bytes: int, now: datetime) -> None:
        self.status = ExportStatus.READY
        self.chatrooms_done = self.chatrooms_total
        self.size_bytes = size_bytes
        self.finished_at = now

    def fail(self, now: datetime) -> None:
        self.status = ExportStatus.FAILED
        self.finished_at = now
