"""For commands that change some fields of a thing and leave the others."""

from __future__ import annotations

from enum import Enum


class Keep(Enum):
    """A field the command leaves as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP
