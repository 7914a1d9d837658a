"""What the model is told besides the conversation: the operator's instruction, then
what a person says about themselves and how they want answers, for every chat."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import ValidationError
from domain.text import bounded_text

MAX_PERSONAL_INSTRUCTION_LENGTH = 1500
MAX_CHAT_INSTRUCTION_LENGTH = 4000
MIN_TEMPERATURE, MAX_TEMPERATURE = 0.0, 2.0


@dataclass(frozen=True, slots=True)
class PersonalInstructions:
    """A person's standing instructions, applied to every chat of theirs."""

    about_me: str = ""
    response_style: str = ""

    @classmethod
    def given(cls, *, about_me: str, response_style: str) -> PersonalInstructions:
        return cls(
            about_me=bounded_text("about_me", about_me, MAX_PERSONAL_INSTRUCTION_LENGTH),
            response_style=bounded_text("response_style", response_style, MAX_PERSONAL_INSTRUCTION_LENGTH),
        )

    @property
    def empty(self) -> bool:
        return not (self.about_me or self.response_style)


NO_PERSONAL_INSTRUCTIONS = PersonalInstructions()


def clean_chat_instruction(raw: str, *, field: str = "system_instruction") -> str:
    return bounded_text(field, raw, MAX_CHAT_INSTRUCTION_LENGTH)


def clean_temperature(raw: float | None) -> float | None:
    """None leaves the choice to the deployment."""
    if raw is not None and not MIN_TEMPERATURE <= raw <= MAX_TEMPERATURE:
        raise ValidationError.for_field("temperature", f"must be between {MIN_TEMPERATURE:g} and {MAX_TEMPERATURE:g}")
    return raw


def system_instruction(
    operator: str | None, personal: PersonalInstructions, chat: str = "", *, gem: str = ""
) -> str | None:
    """One system instruction: the operator's first (it is the deployment's own rule),
    then the person's standing instructions, then the gem the chat was started from,
    then this chat's own, each under a heading that says whose words they are."""
    sections = [(operator or "").strip()]
    if personal.about_me:
        sections.append(f"About the person you are talking with, in their words:\n{personal.about_me}")
    if personal.response_style:
        sections.append(f"How they want you to answer, in their words:\n{personal.response_style}")
    if gem:
        sections.append(f"The assistant they chose for this conversation, in their words:\n{gem}")
    if chat:
        sections.append(f"Instructions for this conversation, from the person:\n{chat}")
    combined = "\n\n".join(section for section in sections if section)
    return combined or None
