"""The signed-in user's usage and standing instructions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

from domain.instructions import MAX_PERSONAL_INSTRUCTION_LENGTH, PersonalInstructions
from domain.quota import QuotaStatus

PersonalInstruction = Annotated[
    str,
    Meta(
        max_length=MAX_PERSONAL_INSTRUCTION_LENGTH,
        description=f"At most {MAX_PERSONAL_INSTRUCTION_LENGTH} characters; empty to clear",
    ),
]


class InstructionsRequest(Struct):
    """What the model should know about you, and how you want it to answer: applied to
    every chat, after the deployment's own instruction."""

    about_me: PersonalInstruction = ""
    response_style: PersonalInstruction = ""


class InstructionsResponse(Struct):
    about_me: str
    response_style: str

    @classmethod
    def from_domain(cls, instructions: PersonalInstructions) -> InstructionsResponse:
        return cls(about_me=instructions.about_me, response_style=instructions.response_style)


class UsageResponse(Struct):
    tier: Literal["basic", "pro"]
    daily_limit: int | None
    used_today: int
    remaining: int | None
    resets_at: datetime

    # Chatrooms and messages

    @classmethod
    def from_domain(cls, status: QuotaStatus) -> UsageResponse:
        return cls(
            tier=status.tier.value,
            daily_limit=status.limit,
            used_today=status.used,
            remaining=status.remaining,
            resets_at=status.resets_at,
        )
