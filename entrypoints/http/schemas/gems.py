"""Gems: saved assistants to start chats from."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

from domain.gems import MAX_GEM_DESCRIPTION_LENGTH, MAX_GEM_NAME_LENGTH, Gem
from entrypoints.http.schemas.chatrooms import ChatInstruction, Temperature
from entrypoints.http.schemas.models import ModelId

GemName = Annotated[str, Meta(max_length=MAX_GEM_NAME_LENGTH, examples=["Travel planner"])]
GemDescription = Annotated[str, Meta(max_length=MAX_GEM_DESCRIPTION_LENGTH, examples=["Plans trips by train"])]


class CreateGemRequest(Struct):
    name: GemName
    description: GemDescription = ""
    # The system instruction of every chat started from the gem.
    instructions: ChatInstruction = ""
    temperature: Temperature | None = None
    # The model of chats started from it, one of your plan's; null: your plan's default.
    model: ModelId | None = None


class UpdateGemRequest(Struct):
    # Only what is sent changes.
    name: GemName | UnsetType = UNSET
    description: GemDescription | UnsetType = UNSET
    instructions: ChatInstruction | UnsetType = UNSET
    temperature: Temperature | UnsetType | None = UNSET
    model: ModelId | UnsetType | None = UNSET


class GemResponse(Struct):
    id: str
    name: str
    description: str
    instructions: str
    temperature: float | None
    model: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, gem: Gem) -> GemResponse:
        return cls(
            id=gem.id,
            name=gem.name,
            description=gem.description,
            instructions=gem.instructions,
            temperature=gem.temperature,
            model=gem.model,
            created_at=gem.created_at,
            updated_at=gem.updated_at,
        )


class GemListResponse(Struct):
    # All of them (at most 50), oldest first.
    items: list[GemResponse]
