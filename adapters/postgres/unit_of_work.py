"""One transaction on one connection, shared by every repository in it."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from types import TracebackType
from typing import Any, Self

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
    CPU on every statement."""

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
        self._entered = False
        if connection is None:
            return
        try:
            await connection.rollback()
            await connection.close()
        except (TimeoutError, DBAPIError, OSError):
            # The connection is already gone; nothing was committed, so nothing to undo.
            await connection.invalidate()

    async def commit(self) -> None:
        assert self._entered, "commit() outside 'async with'"
        if self._connection is None:
            return  # no statement ran: nothing to commit
        try:
            await self._connection.commit()
        except IntegrityError:
            raise Conflict("That conflicts with a change made at the same time.") from None
        except (TimeoutError, DBAPIError, OSError):
            raise DependencyUnavailable("The database is unavailable.") from None

    async def execute(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> Result[Any]:
        """Run a statement, translating driver errors into domain errors at the port.
        ``parameters`` go with a statement made once (its compiled form is cached)."""
        assert self._entered, "repository used outside 'async with'"
        try:
            if self._connection is None:
                self._connection = await self._engine.connect()
            return await self._connection.execute(statement, parameters)
        except IntegrityError:
            raise Conflict("That conflicts with existing data.") from None
        except (TimeoutError, DBAPIError, OSError):
            raise DependencyUnavailable("The database is unavailable.") from None


class PostgresUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def __call__(self) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self._engine)
