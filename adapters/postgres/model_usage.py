"""Replies and tokens per person, day and model."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres import tables as t
from adapters.postgres.repository import PostgresRepository
from domain.chat import TokenUsage
from domain.quota import ModelUsage


class PostgresModelUsageLedger(PostgresRepository):
    async def record(self, user_id: str, day: date, model: str, usage: TokenUsage | None) -> None:
        u = t.model_usage
        prompt, response = (usage.prompt_tokens, usage.response_tokens) if usage else (0, 0)
        await self._execute(
            insert(u)
            .values(
                user_id=uuid.UUID(user_id),
                day=day,
                model=model,
                replies=1,
                prompt_tokens=prompt,
                response_tokens=response,
            )
            .on_conflict_do_update(
                index_elements=["user_id", "day", "model"],
                set_={
                    "replies": u.c.replies + 1,
                    "prompt_tokens": u.c.prompt_tokens + prompt,
                    "response_tokens": u.c.response_tokens + response,
                },
            )
        )

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
