"""Each person's standing instructions to the model."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres import tables as t
from adapters.postgres.repository import DriverStatement, PostgresRepository
from domain.instructions import NO_PERSONAL_INSTRUCTIONS, PersonalInstructions

# Made once and run on the driver: every reply reads its owner's instructions.
_c = t.personal_instructions.c
_OF = DriverStatement(select(_c.about_me, _c.response_style).where(_c.user_id == bindparam("user_id")))


class PostgresInstructionsRepository(PostgresRepository):
    async def of(self, user_id: str) -> PersonalInstructions:
        rows = await self._fetch(_OF, {"user_id": uuid.UUID(user_id)})
        if not rows:
            return NO_PERSONAL_INSTRUCTIONS
        about_me, response_style = rows[0]
        return PersonalInstructions(about_me=about_me, response_style=response_style)

    async def put(self, user_id: str, instructions: PersonalInstructions, now: datetime) -> None:
        values = {"about_me": instructions.about_me, "response_style": instructions.response_style, "updated_at": now}
        await self._execute(
            insert(t.personal_instructions)
            .values(user_id=uuid.UUID(user_id), **values)
            .on_conflict_do_update(index_elements=[t.personal_instructions.c.user_id], set_=values)
        )
