"""One transaction on one connection, shared by every repository in it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from types import TracebackType
from typing import Any, Self

import asyncpg
from asyncpg.transaction import Transaction
from sqlalchemy import Executable, Result
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.postgres.chatrooms import PostgresChatroomRepository
from adapters.postgres.customers import PostgresCustomerRepository
from adapters.postgres.exports import PostgresExportRepository
from adapters.postgres.gems import PostgresGemRepository
from adapters.postgres.idempotency import PostgresIdempotencyRepository
from adapters.postgres.instructions import PostgresInstructionsRepository
from adapters.postgres.messages import PostgresMessageRepository
from adapters.postgres.model_usage import PostgresModelUsageLedger
from adapters.postgres.otp_challenges import PostgresOtpChallengeRepository
from adapters.postgres.processed_events import PostgresProcessedEventRepository
from adapters.postgres.quota import PostgresQuotaCounter
from adapters.postgres.repository import DriverStatement
from adapters.postgres.search import PostgresChatSearch
from adapters.postgres.sessions import PostgresSessionRepository
from adapters.postgres.shares import PostgresShareRepository
from adapters.postgres.subscriptions import PostgresSubscriptionRepository
from adapters.postgres.uploads import PostgresUploadRepository
from adapters.postgres.users import PostgresUserRepository
from domain.errors import Conflict, DependencyUnavailable


class PostgresUnitOfWork:
    """The connection is taken by the first statement: a unit of work whose reads were all
    answered from a near cache never takes one. Core statements on an AsyncConnection,
    not an ORM session: nothing here maps objects, and the session's bookkeeping cost
    CPU on every statement.

    The unit of work begins and ends its transaction itself, on the driver's connection
    (the engine leaves SQLAlchemy's connections in autocommit): so the hottest
    statements can run on asyncpg directly (``fetch``), inside the same transaction as
    the SQLAlchemy ones. A statement through SQLAlchemy cost 130 µs of CPU, through
    asyncpg 53 µs (one-row select by key, measured on this machine)."""

    # Made on first use: most units of work touch two or three of them.
    users = cached_property(PostgresUserRepository)
    otps = cached_property(PostgresOtpChallengeRepository)
    sessions = cached_property(PostgresSessionRepository)
    chatrooms = cached_property(PostgresChatroomRepository)
    messages = cached_property(PostgresMessageRepository)
    instructions = cached_property(PostgresInstructionsRepository)
    gems = cached_property(PostgresGemRepository)
    uploads = cached_property(PostgresUploadRepository)
    search = cached_property(PostgresChatSearch)
    exports = cached_property(PostgresExportRepository)
    shares = cached_property(PostgresShareRepository)
    idempotency = cached_property(PostgresIdempotencyRepository)
    customers = cached_property(PostgresCustomerRepository)
    subscriptions = cached_property(PostgresSubscriptionRepository)
    processed_events = cached_property(PostgresProcessedEventRepository)
    quota = cached_property(PostgresQuotaCounter)
    model_usage = cached_property(PostgresModelUsageLedger)

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._entered = False
        self._connection: AsyncConnection | None = None
        self._driver: asyncpg.Connection | None = None
        self._transaction: Transaction | None = None

    async def __aenter__(self) -> Self:
        self._entered = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        transaction, self._transaction = self._transaction, None
        driver, self._driver = self._driver, None
        self._entered = False
        if connection is None:
            return
        try:
            if transaction is not None:
                await transaction.rollback()
            elif driver is not None and driver.is_in_transaction():
                # A BEGIN whose answer never came (the task was cancelled): the pool's
                # reset cannot see it, so end it here rather than pool it half open.
                await driver.execute("ROLLBACK")
            await connection.close()
        except (TimeoutError, DBAPIError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            # The connection is already gone; nothing was committed, so nothing to undo.
            await connection.invalidate()

    async def commit(self) -> None:
        assert self._entered, "commit() outside 'async with'"
        transaction, self._transaction = self._transaction, None
        if transaction is None:
            return  # no statement ran since the last commit: nothing to commit
        try:
            await transaction.commit()
        except asyncpg.IntegrityConstraintViolationError:
            raise Conflict("That conflicts with a change made at the same time.") from None
        except (TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            await self._lost()
            raise DependencyUnavailable("The database is unavailable.") from None

    async def execute(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> Result[Any]:
        """Run a statement, translating driver errors into domain errors at the port.
        ``parameters`` go with a statement made once (its compiled form is cached)."""
        connection = await self._in_transaction()
        try:
            return await connection.execute(statement, parameters)
        except IntegrityError:
            raise Conflict("That conflicts with existing data.") from None
        except (TimeoutError, DBAPIError, OSError):
            raise DependencyUnavailable("The database is unavailable.") from None

    async def fetch(self, statement: DriverStatement, parameters: Mapping[str, Any]) -> list[asyncpg.Record]:
        """Run a statement compiled once on asyncpg itself: its rows are asyncpg's records
        (by position or by name), and errors become domain errors as in ``execute``."""
        await self._in_transaction()
        assert self._driver is not None
        try:
            rows: list[asyncpg.Record] = await self._driver.fetch(statement.sql, *statement.arguments(parameters))
            return rows
        except asyncpg.IntegrityConstraintViolationError:
            raise Conflict("That conflicts with existing data.") from None
        except (TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            await self._lost()
            raise DependencyUnavailable("The database is unavailable.") from None

    async def execute_many(self, statement: DriverStatement, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run a statement compiled once for each of ``rows``, in one round trip (asyncpg
        sends every row's execution before it waits for an answer)."""
        await self._in_transaction()
        assert self._driver is not None
        try:
            await self._driver.executemany(statement.sql, [statement.arguments(row) for row in rows])
        except asyncpg.IntegrityConstraintViolationError:
            raise Conflict("That conflicts with existing data.") from None
        except (TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            await self._lost()
            raise DependencyUnavailable("The database is unavailable.") from None

    async def _in_transaction(self) -> AsyncConnection:
        assert self._entered, "repository used outside 'async with'"
        if self._transaction is not None and self._connection is not None:
            return self._connection
        try:
            if self._connection is None:
                self._connection = await self._engine.connect()
                self._driver = (await self._connection.get_raw_connection()).driver_connection
            assert self._driver is not None
            transaction = self._driver.transaction()
            await transaction.start()
        except (TimeoutError, DBAPIError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            await self._lost()
            raise DependencyUnavailable("The database is unavailable.") from None
        self._transaction = transaction
        return self._connection

    async def _lost(self) -> None:
        """After a driver error outside SQLAlchemy's sight: a connection that broke is
        not given back to the pool, and when the server went away (a restart) the
        pool's other connections are dropped too, as SQLAlchemy does on a disconnect."""
        connection = self._connection
        if connection is None or self._driver is None or not self._driver.is_closed():
            return
        self._connection = self._driver = self._transaction = None
        await connection.invalidate()
        await connection.close()
        await self._engine.dispose()


class PostgresUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def __call__(self) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self._engine)
