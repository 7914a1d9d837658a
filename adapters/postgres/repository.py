"""What every PostgreSQL repository shares: statements run through the unit of work's
session, which turns driver errors into domain errors."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Executable, Result, Select
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres.tables import file_deletions


class StatementRunner(Protocol):
    async def execute(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> Result[Any]: ...


class PostgresRepository:
    def __init__(self, runner: StatementRunner) -> None:
        self._runner = runner

    async def _execute(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> Result[Any]:
        return await self._runner.execute(statement, parameters)

    async def _note_file_deletions(self, keys: Sequence[str]) -> None:
        """The bytes under ``keys`` are to be deleted once this transaction commits; noted
        in it, so a deletion that fails then is still known (``file_deletions``)."""
        if keys:
            await self._execute(insert(file_deletions).values([{"key": key} for key in keys]).on_conflict_do_nothing())


def uuid_str(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def locked(query: Select[Any], for_update: bool) -> Select[Any]:
    """The query, taking a row lock held until the unit of work ends when asked to."""
    return query.with_for_update() if for_update else query
