"""The rules every piece of text a person gives follows; errors name the field."""

from __future__ import annotations

from domain.errors import ValidationError


def bounded_text(field: str, raw: str, limit: int, *, required: bool = False) -> str:
    """Trimmed, at most ``limit`` characters (and not empty when ``required``)."""
    text = storable(field, raw).strip()
    if required and not text:
        raise ValidationError.for_field(field, "must not be empty")
    if len(text) > limit:
        raise ValidationError.for_field(field, f"must be at most {limit} characters")
    return text


def one_line(field: str, raw: str, limit: int) -> str:
    """A name: runs of whitespace become one space; not empty, at most ``limit``."""
    return bounded_text(field, " ".join(raw.split()), limit, required=True)


def storable(field: str, raw: str) -> str:
    """``raw``, unless it holds a NUL character: no text a person means has one, and the
    database cannot store it (it would otherwise fail the request as a database error)."""
    if "\x00" in raw:
        raise ValidationError.for_field(field, "must not contain NUL characters")
    return raw
