"""Replies and tokens per person, day and model."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres import tables as t
from adapters.postgres.repository import DriverStatement, PostgresRepository
from domain.chat import TokenUsage
from domain.quota import ModelUsage

_u = t.model_usage
# Made once and run on the driver: every reply records its usage.
_RECORD = DriverStatement(
    insert(_u)
    .values(
        user_id=bindparam("user_id"),
        day=bindparam("day"),
        model=bindparam("model"),
        replies=1,
        prompt_tokens=bindparam("prompt"),
        response_tokens=bindparam("response"),
    )
    .on_conflict_do_update(
        index_elements=["user_id", "day", "model"],
        set_={
            "replies": _u.c.replies + 1,
            "prompt_tokens": _u.c.prompt_tokens + bindparam("prompt"),
            "response_tokens": _u.c.response_tokens + bindparam("response"),
        },
    )
)


class PostgresModelUsageLedger(PostgresRepository):
    async def record(self, user_id: str, day: date, model: str, usage: TokenUsage | None) -> None:
        prompt, response = (usage.prompt_tokens, usage.response_tokens) if usage else (0, 0)
        parameters = {
            "user_id": uuid.UUID(user_id),
            "day": day,
            "model": model,
            "prompt": prompt,
            "response": response,
        }
        await self._fetch(_RECORD, parameters)

    async def totals(self, user_id: str, first: date, last: date) -> Sequence[ModelUsage]:
        c = t.model_usage.c
        query = (
            select(
                c.model,
                func.sum(c.replies).label("replies"),
                func.sum(c.prompt_tokens).label("prompt_tokens"),
                func.sum(c.response_tokens).label("response_tokens"),
            )
            .where(c.user_id == uuid.UUID(user_id), c.day >= first, c.day <= last)
            .group_by(c.model)
            .order_by(c.model)
        )
        return [
            ModelUsage(
                model=row.model,
                replies=int(row.replies),
                prompt_tokens=int(row.prompt_tokens),
                response_tokens=int(row.response_tokens),
            )
            for row in await self._execute(query)
        ]
