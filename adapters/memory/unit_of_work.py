"""One serialized transaction over the in-memory tables (see ``adapters.memory.tables``)."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from adapters.memory.chatrooms import InMemoryChatroomRepository
from adapters.memory.customers import InMemoryCustomerRepository
from adapters.memory.exports import InMemoryExportRepository
from adapters.memory.gems import InMemoryGemRepository
from adapters.memory.idempotency import InMemoryIdempotencyRepository
from adapters.memory.instructions import InMemoryInstructionsRepository
from adapters.memory.messages import InMemoryMessageRepository
from adapters.memory.model_usage import InMemoryModelUsageLedger
from adapters.memory.otp_challenges import InMemoryOtpChallengeRepository
from adapters.memory.processed_events import InMemoryProcessedEventRepository
from adapters.memory.quota import InMemoryQuotaCounter
from adapters.memory.search import InMemoryChatSearch
from adapters.memory.sessions import InMemorySessionRepository
from adapters.memory.shares import InMemoryShareRepository
from adapters.memory.subscriptions import InMemorySubscriptionRepository
from adapters.memory.tables import InMemoryDatabase, apply_staged
from adapters.memory.uploads import InMemoryUploadRepository
from adapters.memory.users import InMemoryUserRepository


class InMemoryUnitOfWork:
    def __init__(self, database: InMemoryDatabase) -> None:
        self.database = database
        self.staged: dict[str, dict[Any, Any]] = {}
        self.users = InMemoryUserRepository(self)
        self.otps = InMemoryOtpChallengeRepository(self)
        self.sessions = InMemorySessionRepository(self)
        self.chatrooms = InMemoryChatroomRepository(self)
        self.messages = InMemoryMessageRepository(self)
        self.instructions = InMemoryInstructionsRepository(self)
        self.gems = InMemoryGemRepository(self)
        self.uploads = InMemoryUploadRepository(self)
        self.search = InMemoryChatSearch(self)
        self.exports = InMemoryExportRepository(self)
        self.shares = InMemoryShareRepository(self)
        self.idempotency = InMemoryIdempotencyRepository(self)
        self.customers = InMemoryCustomerRepository(self)
        self.subscriptions = InMemorySubscriptionRepository(self)
        self.processed_events = InMemoryProcessedEventRepository(self)
        self.quota = InMemoryQuotaCounter(self)
        self.model_usage = InMemoryModelUsageLedger(self)

    async def __aenter__(self) -> Self:
        await self.database.lock.acquire()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._discard()
        self.database.lock.release()

    async def commit(self) -> None:
        apply_staged(self.database, self.staged)
        self._discard()

    def _discard(self) -> None:
        for rows in self.staged.values():
            rows.clear()


class InMemoryUnitOfWorkFactory:
    def __init__(self, database: InMemoryDatabase) -> None:
        self._database = database

    def __call__(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self._database)
