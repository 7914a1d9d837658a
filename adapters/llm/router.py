"""One LanguageModel over the whole catalogue: each prompt goes to the adapter of its
model's provider (Gemini, an OpenAI-compatible server, the fake), so several providers
serve side by side."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace

from application.ports.services import LanguageModel, ModelChunk
from domain.context import Prompt, Turn
from domain.models import ModelCatalogue, ModelOffer


class ModelRouter:
    def __init__(self, catalogue: ModelCatalogue, providers: Mapping[str, LanguageModel]) -> None:
        missing = catalogue.providers - set(providers)
        if missing:
            raise ValueError(f"no adapter for provider(s) {', '.join(sorted(missing))}")
        self._catalogue = catalogue
        self._providers = dict(providers)

    def stream_reply(self, prompt: Prompt) -> AsyncIterator[ModelChunk]:
        offer = self._offer(prompt.model)
        return self._providers[offer.provider].stream_reply(replace(prompt, model=offer))

    async def suggest_title(self, turns: Sequence[Turn], model: ModelOffer | None = None) -> str:
        offer = self._offer(model)
        return await self._providers[offer.provider].suggest_title(turns, offer)

    def _offer(self, model: ModelOffer | None) -> ModelOffer:
        """The catalogue's own entry (a model it no longer offers gets the lowest plan's default)."""
        return self._catalogue.get(model.id if model else None) or self._catalogue.title_writer
