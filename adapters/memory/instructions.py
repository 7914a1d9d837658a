"""Each person's standing instructions to the model."""

from __future__ import annotations

from datetime import datetime

from adapters.memory.tables import Table, Transaction
from domain.instructions import NO_PERSONAL_INSTRUCTIONS, PersonalInstructions


class InMemoryInstructionsRepository:
    def __init__(self, uow: Transaction) -> None:
        self._rows: Table[str, PersonalInstructions] = Table(uow, "personal_instructions")

    async def of(self, user_id: str) -> PersonalInstructions:
        return self._rows.get(user_id) or NO_PERSONAL_INSTRUCTIONS

    async def put(self, user_id: str, instructions: PersonalInstructions, now: datetime) -> None:
        self._rows.put(user_id, instructions)
