"""Replies and tokens per person, day and model."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from adapters.memory.tables import Table, Transaction
from domain.chat import TokenUsage
from domain.quota import ModelUsage


class InMemoryModelUsageLedger:
    def __init__(self, uow: Transaction) -> None:
        self._rows: Table[tuple[str, date, str], ModelUsage] = Table(uow, "model_usage")

    async def record(self, user_id: str, day: date, model: str, usage: TokenUsage | None) -> None:
        key = (user_id, day, model)
        so_far = self._rows.get(key) or ModelUsage(model=model, replies=0, prompt_tokens=0, response_tokens=0)
        self._rows.put(
            key,
            ModelUsage(
                model=model,
                replies=so_far.replies + 1,
                prompt_tokens=so_far.prompt_tokens + (usage.prompt_tokens if usage else 0),
                response_tokens=so_far.response_tokens + (usage.response_tokens if usage else 0),
            ),
        )

    async def totals(self, user_id: str, first: date, last: date) -> Sequence[ModelUsage]:
        summed: dict[str, ModelUsage] = {}
        for owner, day, model in self._rows.ids():
            row = self._rows.get((owner, day, model))
            if owner != user_id or row is None or not first <= day <= last:
                continue
            before = summed.get(model, ModelUsage(model=model, replies=0, prompt_tokens=0, response_tokens=0))
            summed[model] = ModelUsage(
                model=model,
                replies=before.replies + row.replies,
                prompt_tokens=before.prompt_tokens + row.prompt_tokens,
                response_tokens=before.response_tokens + row.response_tokens,
            )
        return [summed[model] for model in sorted(summed)]
