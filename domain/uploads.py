"""Files a person uploads to send with their messages: what they are (decided by their
bytes, never by their name), how big they may be, and where they are kept."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.users import Tier

MAX_FILENAME_LENGTH = 255
# Files one message may carry.
MAX_ATTACHMENTS = 10
# No plan may take larger files: the bound of the UPLOAD_MAX_BYTES_* settings and of the
# upload route's body.
UPLOAD_CEILING_BYTES = 100 * 1024 * 1024


class UploadKind(StrEnum):
    IMAGE = "image"
    PDF = "pdf"
    TEXT = "text"


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadLimits:
    """Per plan: the largest file, and how many uploads a UTC day."""

    basic_max_bytes: int = 5 * 1024 * 1024
    pro_max_bytes: int = 20 * 1024 * 1024
    basic_per_day: int = 20
    pro_per_day: int = 200

    def max_bytes(self, plan: Tier) -> int:
        return self.pro_max_bytes if plan is Tier.PRO else self.basic_max_bytes

    def per_day(self, plan: Tier) -> int:
        return self.pro_per_day if plan is Tier.PRO else self.basic_per_day


@dataclass(frozen=True, slots=True, kw_only=True)
class InspectedFile:
    """What a file's bytes turned out to be, after its metadata was taken out."""

    kind: UploadKind
    mime_type: str
    size_bytes: int
    sha256: str
    width: int | None = None
    height: int | None = None
    pages: int | None = None


@dataclass(slots=True, kw_only=True)
class Upload:
    id: str
    owner_id: str
    # For people to read (never a path): the client's name, cleaned.
    filename: str
    kind: UploadKind
    mime_type: str
    size_bytes: int
    sha256: str
    created_at: datetime
    width: int | None = None
    height: int | None = None
    pages: int | None = None
    # The first message it was sent with; None until then (the sweeper deletes those
    # left so). A file may be sent again (with an edit, in another chat).
    message_id: str | None = None

    @classmethod
    def accept(cls, *, id: str, owner_id: str, filename: str | None, file: InspectedFile, now: datetime) -> Upload:
        return cls(
            id=id,
            owner_id=owner_id,
            filename=clean_filename(filename),
            kind=file.kind,
            mime_type=file.mime_type,
            size_bytes=file.size_bytes,
            sha256=file.sha256,
            created_at=now,
            width=file.width,
            height=file.height,
            pages=file.pages,
        )

    @property
    def storage_key(self) -> str:
        return storage_key(self.owner_id, self.id)

    def send_with(self, message_id: str) -> None:
        self.message_id = self.message_id or message_id

    def as_attachment(self) -> Attachment:
        return Attachment(
            id=self.id,
            owner_id=self.owner_id,
            filename=self.filename,
            kind=self.kind,
            mime_type=self.mime_type,
            size_bytes=self.size_bytes,
            sha256=self.sha256,
            width=self.width,
            height=self.height,
            pages=self.pages,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    """An upload as a message carries it: what it is, kept with the message so showing a
    conversation reads no other table."""

    id: str
    owner_id: str
    filename: str
    kind: UploadKind
    mime_type: str
    size_bytes: int
    sha256: str
    width: int | None = None
    height: int | None = None
    pages: int | None = None

    @property
    def storage_key(self) -> str:
        return storage_key(self.owner_id, self.id)

    @property
    def format(self) -> str:
        """ "PNG", "JPEG", "PDF", "MARKDOWN": the type's own name, for people."""
        return self.mime_type.rsplit("/", 1)[-1].upper()

    @property
    def described(self) -> str:
        """In a few words, for people and the fake model: "PNG image 640×480",
        "3-page PDF", "text file"."""
        if self.kind is UploadKind.IMAGE:
            return f"{self.format} image {self.width}×{self.height}"
        if self.kind is UploadKind.PDF:
            return f"{self.pages}-page PDF"
        return "text file"


def storage_key(owner_id: str, upload_id: str) -> str:
    """Made of ids only: nothing a client sent ever names a place in storage."""
    return f"{owner_id}/{upload_id}"


def clean_filename(raw: str | None) -> str:
    """The last part of whatever name the client gave, without control or format
    characters, at most 255 characters; "file" when nothing is left."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if len(name) > MAX_FILENAME_LENGTH:
        _, dot, extension = name.rpartition(".")
        keep = extension if dot and len(extension) <= 16 else ""
        name = name[: MAX_FILENAME_LENGTH - len(keep) - 1] + "." + keep if keep else name[:MAX_FILENAME_LENGTH]
    return name or "file"
