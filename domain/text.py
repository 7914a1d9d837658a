"""The rules every piece of text a person gives follows; errors name the field."""

from __future__ import annotations

from domain.errors import ValidationError


def bounded_text(field: str, raw: str, limit: int, *, required: bool = False) -> str:
    """Trimmed, at most ``limit`` characters (and not empty when ``required``)."""
    text = raw.strip()
    if required and not text:
        raise ValidationError.for_field(field, "must not be empty")
    if len(text) > limit:
        raise ValidationError.for_field(field, f"must be at most {limit} characters")
    return text


def one_line(field: str, raw: str, limit: int) -> str:
    """A name: runs of whitespace become one space; not empty, at most ``limit``."""
    return bounded_text(field, " ".join(raw.split()), limit, required=True)
