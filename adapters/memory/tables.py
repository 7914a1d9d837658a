"""In-memory twins of the database ports, with the semantics of the real thing.

A unit of work holds a database-wide lock from enter to exit (so transactions are
serializable), reads see its own staged writes, and only ``commit()`` makes them
visible; leaving without committing throws them away. Objects are copied on the way in
and out, as rows would be, so a caller mutating an entity changes nothing until it
saves it.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Iterator
from typing import Any, Generic, Protocol, TypeVar

K = TypeVar("K")
V = TypeVar("V")
_DELETED: Any = object()


class InMemoryDatabase:
    def __init__(self) -> None:
        self.tables: dict[str, dict[Any, Any]] = {}
        self._lock: asyncio.Lock | None = None

    @property
    def lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    def table(self, name: str) -> dict[Any, Any]:
        return self.tables.setdefault(name, {})


class Transaction(Protocol):
    """What a table needs from the unit of work it is read in."""

    database: InMemoryDatabase
    staged: dict[str, dict[Any, Any]]


class Table(Generic[K, V]):
    """One table as seen from inside a unit of work."""

    def __init__(self, uow: Transaction, name: str) -> None:
        self._committed: dict[K, V] = uow.database.table(name)
        self._staged: dict[K, V] = uow.staged.setdefault(name, {})

    def get(self, key: K) -> V | None:
        value = self._staged.get(key, self._committed.get(key))
        return None if value is None or value is _DELETED else copy.copy(value)

    def put(self, key: K, value: V) -> None:
        self._staged[key] = copy.copy(value)

    def delete(self, key: K) -> None:
        self._staged[key] = _DELETED

    def ids(self) -> Iterator[K]:
        for key in self._committed.keys() | self._staged.keys():
            if self.get(key) is not None:
                yield key

    def rows(self) -> Iterator[V]:
        for key in self._committed.keys() | self._staged.keys():
            value = self.get(key)
            if value is not None:
                yield value

    def find(self, predicate: Callable[[V], bool]) -> V | None:
        return next((row for row in self.rows() if predicate(row)), None)


def apply_staged(database: InMemoryDatabase, staged: dict[str, dict[Any, Any]]) -> None:
    """Make a transaction's staged writes the committed state."""
    for name, rows in staged.items():
        table = database.table(name)
        for key, value in rows.items():
            if value is _DELETED:
                table.pop(key, None)
            else:
                table[key] = value
