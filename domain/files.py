"""Where a stored file lives: a key this service makes from ids, never a client's name or
path, so no input of a stranger's ever reaches a disk path or an object name."""

from __future__ import annotations

import re

_SAFE_KEY = re.compile(r"[0-9A-Za-z_-]{1,64}(?:/[0-9A-Za-z_-]{1,64}){0,3}")


def checked_key(key: str) -> str:
    """``key`` if it is made of safe segments (letters, digits, ``-`` and ``_``, joined by
    ``/``); a ValueError otherwise. Adapters call it before touching storage."""
    if not _SAFE_KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key[:80]!r}")
    return key
