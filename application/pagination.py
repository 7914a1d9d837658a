"""Opaque keyset cursors: a client passes back what it was given and never builds one."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime

from application.ports.repositories import Position
from domain.errors import BadRequest

MAX_PAGE_SIZE = 100


def encode_cursor(position: Position) -> str:
    pinned = "|pinned" if position.pinned else ""
    raw = f"{position.at.isoformat()}|{position.id}{pinned}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, parameter: str = "cursor") -> Position | None:
    if cursor is None or cursor == "":
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, rest = raw.partition("|")
        item_id, _, pinned = rest.partition("|")
        parsed = datetime.fromisoformat(at)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequest(f"{parameter}: not a cursor this API returned") from None
    if parsed.tzinfo is None or not _is_uuid(item_id) or pinned not in ("", "pinned"):
        raise BadRequest(f"{parameter}: not a cursor this API returned")
    return Position(at=parsed, id=item_id, pinned=pinned == "pinned")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def check_page_size(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise BadRequest(f"limit: must be between 1 and {MAX_PAGE_SIZE}")
    return limit


def encode_offset(offset: int) -> str:
    """A cursor for a ranked list, whose order has no key to start from: how far in."""
    return base64.urlsafe_b64encode(f"offset|{offset}".encode()).decode().rstrip("=")


def decode_offset(cursor: str | None, *, parameter: str = "cursor") -> int:
    if cursor is None or cursor == "":
        return 0
    try:
        kind, _, offset = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition("|")
        value = int(offset)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequest(f"{parameter}: not a cursor this API returned") from None
    if kind != "offset" or value < 0:
        raise BadRequest(f"{parameter}: not a cursor this API returned")
    return value
