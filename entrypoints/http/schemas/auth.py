"""Signing up, in and out; codes and passwords."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from application.services.one_time_codes import CodeSent
from application.services.sign_in import SignedIn, SignInNotice
from application.use_cases.sign_up import SignUpStarted
from domain.users import User
from entrypoints.http.schemas.common import MobileNumberField, OtpField, PasswordField


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

    @classmethod
    def from_domain(cls, user: User) -> UserResponse:
        return cls(
            id=user.id,
            mobile_number=user.mobile_number.value,
            name=user.name,
            tier=user.tier.value,
            has_password=user.has_password,
            created_at=user.created_at,
        )


class SignUpStartedResponse(Struct, omit_defaults=True):
    message: str
    expires_in: int
    # Give it back with the code to /auth/verify-signup: only this client can finish this sign-up.
    signup_token: str
    # Present only with OTP_DELIVERY=response (development).
    otp: str | None = None

    @classmethod
    def from_domain(cls, started: SignUpStarted) -> SignUpStartedResponse:
        sent = started.sent
        return cls(message=sent.message, expires_in=sent.expires_in, signup_token=started.signup_token, otp=sent.otp)


class OtpSentResponse(Struct, omit_defaults=True):
    message: str
    expires_in: int
    # Present only with OTP_DELIVERY=response (development).
    otp: str | None = None

    @classmethod
    def from_domain(cls, sent: CodeSent) -> OtpSentResponse:
        return cls(message=sent.message, expires_in=sent.expires_in, otp=sent.otp)


class NoticeResponse(Struct):
    code: Annotated[str, Meta(examples=["PASSWORD_REMOVED"])]
    message: str


NOTICE_MESSAGES = {
    SignInNotice.PASSWORD_REMOVED: (
        "Nobody had confirmed this number with a code before, so the password set on the account earlier was"
        " removed and its other sessions were ended. Set a new password with /auth/change-password."
    ),
    SignInNotice.ACCOUNT_EXISTS: (
        "This number already had an account: you are signed in to it, and its password was not changed."
    ),
}


class TokenResponse(Struct):
    access_token: str
    refresh_token: str
    expires_in: int
    user: UserResponse
    token_type: str = "bearer"
    # Things the person signing in should know about their account (usually none).
    notices: list[NoticeResponse] = msgspec.field(default_factory=list)

    @classmethod
    def from_domain(cls, signed_in: SignedIn) -> TokenResponse:
        return cls(
            access_token=signed_in.tokens.access_token,
            refresh_token=signed_in.tokens.refresh_token,
            expires_in=signed_in.tokens.expires_in,
            user=UserResponse.from_domain(signed_in.user),
            notices=[
                NoticeResponse(code=notice.value, message=NOTICE_MESSAGES[notice]) for notice in signed_in.notices
            ],
        )
