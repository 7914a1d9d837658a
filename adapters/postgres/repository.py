"""What every PostgreSQL repository shares: statements run through the unit of work's
session, which turns driver errors into domain errors."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import asyncpg
from sqlalchemy import ClauseElement, Executable, Result, Select
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres.tables import file_deletions

_DIALECT = asyncpg_dialect.dialect()  # type: ignore[no-untyped-call]


class DriverStatement:
    """A statement made once with SQLAlchemy and compiled once to PostgreSQL's own text,
    to run on asyncpg directly (``fetch``): for the statements every send and every
    reply runs, where SQLAlchemy's work per execution was more CPU than the driver's.
    Its parameters are the driver's types: a UUID, a datetime, JSON as text."""

    __slots__ = ("_names", "_values", "sql")

    def __init__(self, statement: ClauseElement) -> None:
        compiled: Any = statement.compile(dialect=_DIALECT)  # a SQLCompiler: positiontup
        if "POSTCOMPILE" in str(compiled):
            raise ValueError("an IN list is expanded per execution: write its constants into the statement")
        self.sql = str(compiled)
        self._names = tuple(compiled.positiontup or ())
        # Constants the statement binds itself (``count = count + 1``).
        self._values = compiled.params

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        return [parameters[name] if name in parameters else self._values[name] for name in self._names]


class StatementRunner(Protocol):
    async def execute(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> Result[Any]: ...

    async def fetch(self, statement: DriverStatement, parameters: Mapping[str, Any]) -> list[asyncpg.Record]: ...

    async def execute_many(self, statement: DriverStatement, rows: Sequence[Mapping[str, Any]]) -> None: ...


class PostgresRepository:
    def __init__(self, runner: StatementRunner) -> None:
        self._runner = runner

    async def _execute(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> Result[Any]:
        return await self._runner.execute(statement, parameters)

    async def _fetch(self, statement: DriverStatement, parameters: Mapping[str, Any]) -> list[asyncpg.Record]:
        return await self._runner.fetch(statement, parameters)

    async def _execute_many(self, statement: DriverStatement, rows: Sequence[Mapping[str, Any]]) -> None:
        await self._runner.execute_many(statement, rows)

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
