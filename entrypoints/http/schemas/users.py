"""The signed-in user: usage, standing instructions, deleting the account."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

from application.use_cases.get_model_usage import ModelUsageReport
from domain.instructions import MAX_PERSONAL_INSTRUCTION_LENGTH, PersonalInstructions
from domain.quota import ModelUsage, QuotaStatus
from entrypoints.http.schemas.common import OtpField

PersonalInstruction = Annotated[
    str,
    Meta(
        max_length=MAX_PERSONAL_INSTRUCTION_LENGTH,
        description=f"At most {MAX_PERSONAL_INSTRUCTION_LENGTH} characters; empty to clear",
    ),
]


class DeleteAccountRequest(Struct):
    # A code from POST /auth/send-confirmation-code.
    otp: OtpField


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


class ModelUsageBody(Struct):
    model: str
    # Replies the model wrote (a stopped reply counts once words were shown).
    replies: int
    prompt_tokens: int
    response_tokens: int
    total_tokens: int

    @classmethod
    def from_domain(cls, usage: ModelUsage) -> ModelUsageBody:
        return cls(
            model=usage.model,
            replies=usage.replies,
            prompt_tokens=usage.prompt_tokens,
            response_tokens=usage.response_tokens,
            total_tokens=usage.total_tokens,
        )


class UsagePeriodBody(Struct, rename={"first": "from", "last": "to"}):
    first: date
    last: date


class UsageResponse(Struct):
    tier: Literal["basic", "pro"]
    daily_limit: int | None
    used_today: int
    remaining: int | None
    resets_at: datetime
    # The UTC days `by_model` covers: today unless `from`/`to` were given.
    period: UsagePeriodBody
    by_model: list[ModelUsageBody]

    # Chatrooms and messages

    @classmethod
    def from_domain(cls, status: QuotaStatus, report: ModelUsageReport) -> UsageResponse:
        return cls(
            tier=status.tier.value,
            daily_limit=status.limit,
            used_today=status.used,
            remaining=status.remaining,
            resets_at=status.resets_at,
            period=UsagePeriodBody(first=report.period.first, last=report.period.last),
            by_model=[ModelUsageBody.from_domain(usage) for usage in report.by_model],
        )
