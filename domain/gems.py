"""Gems: a person's saved assistants, each a name and how the model should answer, to
start chats from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.instructions import clean_chat_instruction, clean_temperature
from domain.text import bounded_text, one_line

MAX_GEMS_PER_PERSON = 50
MAX_GEM_NAME_LENGTH = 100
MAX_GEM_DESCRIPTION_LENGTH = 500


def clean_gem_name(raw: str) -> str:
    return one_line("name", raw, MAX_GEM_NAME_LENGTH)


def clean_gem_description(raw: str) -> str:
    return bounded_text("description", raw, MAX_GEM_DESCRIPTION_LENGTH)


@dataclass(slots=True, kw_only=True)
class Gem:
    id: str
    owner_id: str
    name: str
    description: str
    # Told to the model in every chat started from the gem (its system_instruction).
    instructions: str
    temperature: float | None
    # The model of chats started from it (checked against the owner's plan when saved);
    # None: the plan's default.
    model: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(
        cls,
        *,
        id: str,
        owner_id: str,
        name: str,
        description: str,
        instructions: str,
        temperature: float | None,
        now: datetime,
        model: str | None = None,
    ) -> Gem:
        return cls(
            id=id,
            owner_id=owner_id,
            name=clean_gem_name(name),
            description=clean_gem_description(description),
            instructions=clean_chat_instruction(instructions, field="instructions"),
            temperature=clean_temperature(temperature),
            model=model,
            created_at=now,
            updated_at=now,
        )

    def rename(self, name: str, now: datetime) -> None:
        self.name = clean_gem_name(name)
        self.updated_at = now

    def describe(self, description: str, now: datetime) -> None:
        self.description = clean_gem_description(description)
        self.updated_at = now

    def instruct(self, instructions: str, now: datetime) -> None:
        self.instructions = clean_chat_instruction(instructions, field="instructions")
        self.updated_at = now

    def set_temperature(self, temperature: float | None, now: datetime) -> None:
        self.temperature = clean_temperature(temperature)
        self.updated_at = now

    def choose_model(self, model: str | None, now: datetime) -> None:
        self.model = model
        self.updated_at = now
