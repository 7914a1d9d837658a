"""Request and response bodies (msgspec structs), and how domain objects become them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from application.services.one_time_codes import CodeSent
from application.services.sign_in import SignedIn, SignInNotice
from application.use_cases.get_subscription_status import SubscriptionStatusResult
from application.use_cases.sign_up import SignUpStarted
from domain.chat import Chatroom, Message, TokenUsage
from domain.quota import QuotaStatus
from domain.users import User

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


class SignUpRequest(Struct, forbid_unknown_fields=False):
    mobile_number: MobileNumberField
    password: PasswordField | None = None
    name: Annotated[str, Meta(max_length=1000)] | None = None


class MobileNumberRequest(Struct):
    mobile_number: MobileNumberField


class VerifyOtpRequest(Struct):
    mobile_number: MobileNumberField
    otp: OtpField


class LoginRequest(Struct):
    mobile_number: MobileNumberField
    password: PasswordField


class RefreshRequest(Struct):
    refresh_token: Annotated[str, Meta(max_length=4096)]


class ResetPasswordRequest(Struct):
    mobile_number: MobileNumberField
    otp: OtpField
    new_password: PasswordField


class VerifySignUpRequest(Struct):
    mobile_number: MobileNumberField
    otp: OtpField
    signup_token: Annotated[str, Meta(max_length=256, description="The signup_token /auth/signup answered")]


class ChangePasswordRequest(Struct):
    new_password: PasswordField
    # Required when the account has a password.
    old_password: PasswordField | None = None
    # Required to set a first password: a code from /auth/send-confirmation-code.
    otp: OtpField | None = None


class UserResponse(Struct):
    id: str
    mobile_number: str
    name: str | None
    tier: Literal["basic", "pro"]
    # Whether /auth/login can open the account, and so what /auth/change-password needs.
    has_password: bool
    created_at: datetime


class SignUpStartedResponse(Struct, omit_defaults=True):
    message: str
    expires_in: int
    # Give it back with the code to /auth/verify-signup: only this client can finish this sign-up.
    signup_token: str
    # Present only with OTP_DELIVERY=response (development).
    otp: str | None = None


class OtpSentResponse(Struct, omit_defaults=True):
    message: str
    expires_in: int
    # Present only with OTP_DELIVERY=response (development).
    otp: str | None = None


class NoticeResponse(Struct):
    code: Annotated[str, Meta(examples=["PASSWORD_REMOVED"])]
    message: str


class TokenResponse(Struct):
    access_token: str
    refresh_token: str
    expires_in: int
    user: UserResponse
    token_type: str = "bearer"
    # Things the person signing in should know about their account (usually none).
    notices: list[NoticeResponse] = msgspec.field(default_factory=list)


class MessageResponse(Struct):
    message: str


# Users


class UsageResponse(Struct):
    tier: Literal["basic", "pro"]
    daily_limit: int | None
    used_today: int
    remaining: int | None
    resets_at: datetime


# Chatrooms and messages


class CreateChatroomRequest(Struct):
    title: TitleField | None = None
    # Accepted as an alias of ``title``; ``title`` wins when both are given.
    name: TitleField | None = None


class RenameChatroomRequest(Struct):
    title: TitleField


class ChatroomResponse(Struct):
    id: str
    title: str
    created_at: datetime
    updated_at: datetime


class ChatroomListResponse(Struct):
    items: list[ChatroomResponse]
    next_cursor: str | None


class UsageTokens(Struct):
    prompt_tokens: int
    response_tokens: int
    total_tokens: int


class MessageBody(Struct):
    id: str
    chatroom_id: str
    role: Literal["user", "model"]
    content: str
    status: Literal["pending", "streaming", "completed", "failed"]
    error: str | None
    created_at: datetime
    completed_at: datetime | None
    usage: UsageTokens | None


class ChatroomDetailResponse(Struct):
    id: str
    title: str
    created_at: datetime
    updated_at: datetime
    messages: list[MessageBody]


class SendMessageRequest(Struct):
    # The domain trims and checks length; this cap only refuses absurd bodies early.
    content: Annotated[str, Meta(max_length=100_000, examples=["What is the capital of France?"])]


class SendMessageResponse(Struct):
    message: MessageBody
    reply: MessageBody


class MessageListResponse(Struct):
    items: list[MessageBody]
    next_cursor: str | None


# Subscriptions


class CheckoutResponse(Struct):
    checkout_url: str
    session_id: str


class SubscriptionStatusResponse(Struct):
    tier: Literal["basic", "pro"]
    status: str
    current_period_end: datetime | None
    cancel_at_period_end: bool


class PortalResponse(Struct):
    url: str


class WebhookResponse(Struct):
    received: bool = True


# Operations


class HealthResponse(Struct):
    status: str = "ok"


class ReadinessResponse(Struct):
    status: str
    checks: dict[str, str]


def user_response(user: User) -> UserResponse:
    return UserResponse(
        id=user.id,
        mobile_number=user.mobile_number.value,
        name=user.name,
        tier=user.tier.value,
        has_password=user.has_password,
        created_at=user.created_at,
    )


NOTICE_MESSAGES = {
    SignInNotice.PASSWORD_REMOVED: (
        "Nobody had confirmed this number with a code before, so the password set on the account earlier was"
        " removed and its other sessions were ended. Set a new password with /auth/change-password."
    ),
    SignInNotice.ACCOUNT_EXISTS: (
        "This number already had an account: you are signed in to it, and its password was not changed."
    ),
}


def token_response(signed_in: SignedIn) -> TokenResponse:
    return TokenResponse(
        access_token=signed_in.tokens.access_token,
        refresh_token=signed_in.tokens.refresh_token,
        expires_in=signed_in.tokens.expires_in,
        user=user_response(signed_in.user),
        notices=[NoticeResponse(code=notice.value, message=NOTICE_MESSAGES[notice]) for notice in signed_in.notices],
    )


def sign_up_started_response(started: SignUpStarted) -> SignUpStartedResponse:
    sent = started.sent
    return SignUpStartedResponse(
        message=sent.message, expires_in=sent.expires_in, signup_token=started.signup_token, otp=sent.otp
    )


def otp_sent_response(sent: CodeSent) -> OtpSentResponse:
    return OtpSentResponse(message=sent.message, expires_in=sent.expires_in, otp=sent.otp)


def usage_response(status: QuotaStatus) -> UsageResponse:
    return UsageResponse(
        tier=status.tier.value,
        daily_limit=status.limit,
        used_today=status.used,
        remaining=status.remaining,
        resets_at=status.resets_at,
    )


def chatroom_response(chatroom: Chatroom) -> ChatroomResponse:
    return ChatroomResponse(
        id=chatroom.id, title=chatroom.title, created_at=chatroom.created_at, updated_at=chatroom.updated_at
    )


def _usage_tokens(usage: TokenUsage | None) -> UsageTokens | None:
    if usage is None:
        return None
    return UsageTokens(
        prompt_tokens=usage.prompt_tokens, response_tokens=usage.response_tokens, total_tokens=usage.total_tokens
    )


def message_body(message: Message) -> MessageBody:
    return MessageBody(
        id=message.id,
        chatroom_id=message.chatroom_id,
        role=message.role.value,
        content=message.content,
        status=message.status.value,
        error=message.error,
        created_at=message.created_at,
        completed_at=message.completed_at,
        usage=_usage_tokens(message.usage),
    )


def subscription_response(result: SubscriptionStatusResult) -> SubscriptionStatusResponse:
    return SubscriptionStatusResponse(
        tier=result.tier.value,
        status=result.status.value,
        current_period_end=result.current_period_end,
        cancel_at_period_end=result.cancel_at_period_end,
    )


def encode_json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


class FakeCheckoutResponse(Struct):
    completed: bool
    events: list[str]
    next: str
