"""What every resource shares: the error envelope, field caps, JSON encoding."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import Meta, Struct

# Generous caps: the domain gives the precise message, these only stop absurd inputs
# before any work is done.
MobileNumberField = Annotated[str, Meta(max_length=40, examples=["+919876543210"])]


PasswordField = Annotated[str, Meta(max_length=1024, examples=["correct horse battery staple"])]


OtpField = Annotated[str, Meta(max_length=32, examples=["123456"])]


TitleField = Annotated[str, Meta(max_length=1000, examples=["Trip to Goa"])]


class ErrorBody(Struct, omit_defaults=True):
    code: Annotated[str, Meta(examples=["VALIDATION_ERROR"], description="Stable: branch on it")]
    message: Annotated[str, Meta(examples=["content: must not be empty"], description="For people")]
    # Which field or parameter is to blame, when one is.
    details: (
        Annotated[
            list[dict[str, Any]],
            Meta(examples=[[{"field": "content", "source": "body", "message": "must not be empty"}]]),
        ]
        | None
    ) = None


class ErrorEnvelope(Struct):
    error: ErrorBody


# Auth


class MessageResponse(Struct):
    message: str


# Users


def encode_json(value: Any) -> str:
    return msgspec.json.encode(value).decode()
