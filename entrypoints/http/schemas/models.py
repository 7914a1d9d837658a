"""The models a deployment offers."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from application.use_cases.get_model_choices import ModelChoices
from domain.models import MAX_MODEL_ID_LENGTH, ModelOffer

ModelId = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=MAX_MODEL_ID_LENGTH,
        description="A model's `id` from GET /models",
        examples=["gemini-2.5-flash"],
    ),
]


class ModelResponse(Struct):
    id: str
    display_name: str
    provider: Literal["gemini", "openai", "fake"]
    # The lowest plan that has it: Pro has Basic's models too.
    plan: Literal["basic", "pro"]
    # Whether your plan has it now.
    available: bool
    # Your plan's default: what answers a chat that names no model.
    default: bool
    # Tokens it reads (prompt and answer together), and writes at most per answer.
    context_window: int
    output_limit: int
    # Whether it reads images and documents sent with a message.
    attachments: bool

    @classmethod
    def from_domain(cls, offer: ModelOffer, choices: ModelChoices) -> ModelResponse:
        return cls(
            id=offer.id,
            display_name=offer.display_name,
            provider=offer.provider,  # type: ignore[arg-type]
            plan=offer.plan.value,
            available=choices.available(offer),
            default=offer.id == choices.default.id,
            context_window=offer.context_window,
            output_limit=offer.output_limit,
            attachments=offer.attachments,
        )


class ModelListResponse(Struct):
    # In the operator's order.
    items: list[ModelResponse]
    # Your plan, and the id of its default model.
    plan: Literal["basic", "pro"]
    default_model: str

    @classmethod
    def from_domain(cls, choices: ModelChoices) -> ModelListResponse:
        return cls(
            items=[ModelResponse.from_domain(offer, choices) for offer in choices.catalogue.offers],
            plan=choices.plan.value,
            default_model=choices.default.id,
        )
