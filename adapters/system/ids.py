from __future__ import annotations

import secrets
import threading
import time
import uuid

_MAX_COUNTER = 0xFFF


class Uuid7Generator:
    """UUIDv7 (RFC 9562): a millisecond timestamp, then a counter, then random bits.

    Time-ordered ids keep B-tree inserts at the right edge of the index, and ids made
    by one process sort in the order they were made (the counter covers ids made in the
    same millisecond), which is what message ordering relies on for ties.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._counter = 0

    def new_id(self) -> str:
        with self._lock:
            ms = time.time_ns() // 1_000_000
            if ms > self._last_ms:
                self._last_ms = ms
                # Start low in the counter space so a burst has room to count up.
                self._counter = secrets.randbits(10)
            else:
                self._counter += 1
                if self._counter > _MAX_COUNTER:
                    self._last_ms += 1
                    self._counter = 0
            value = (
                (self._last_ms & 0xFFFF_FFFF_FFFF) << 80
                | 0x7 << 76
                | self._counter << 64
                | 0b10 << 62
                | secrets.randbits(62)
            )
        return str(uuid.UUID(int=value))
