from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from application.use_cases.authenticate import Principal
from application.use_cases.change_password import ChangePassword, ChangePasswordCommand
from application.use_cases.forgot_password import ForgotPassword, ForgotPasswordCommand
from application.use_cases.log_in import LogIn, LogInCommand
from application.use_cases.log_out import LogOut
from application.use_cases.refresh_tokens import RefreshTokens, RefreshTokensCommand
from application.use_cases.reset_password import ResetPassword, ResetPasswordCommand
from application.use_cases.send_otp import SendOtp, SendOtpCommand
from application.use_cases.sign_up import SignUp, SignUpCommand
from application.use_cases.verify_otp import VerifyOtp, VerifyOtpCommand
from entrypoints.http.dependencies import BEARER_AUTH, client_address
from entrypoints.http.openapi import errors
from entrypoints.http.schemas import (
    ChangePasswordRequest,
    LoginRequest,
    MessageResponse,
    MobileNumberRequest,
    OtpSentResponse,
    RefreshRequest,
    ResetPasswordRequest,
    SignUpRequest,
    SignUpResponse,
    TokenResponse,
    VerifyOtpRequest,
    otp_sent_response,
    token_response,
    user_response,
)


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post("/signup", status_code=201, responses=errors(400, 409, 413, 422))
    async def sign_up(self, data: JSONBody[SignUpRequest], sign_up: NamedDependency[SignUp]) -> SignUpResponse:
        """Register a number, optionally with a password and a name."""
        user = await sign_up.execute(
            SignUpCommand(mobile_number=data.mobile_number, password=data.password, name=data.name)
        )
        return SignUpResponse(user=user_response(user))

    @post("/send-otp", status_code=200, responses=errors(400, 413, 422, 429))
    async def send_otp(
        self, request: Request[Any, Any, Any], data: JSONBody[MobileNumberRequest], send_otp: NamedDependency[SendOtp]
    ) -> OtpSentResponse:
        """Send a sign-in code. Same answer for registered and new numbers."""
        sent = await send_otp.execute(SendOtpCommand(mobile_number=data.mobile_number, client=client_address(request)))
        return otp_sent_response(sent)

    @post("/verify-otp", status_code=200, responses=errors(400, 401, 413, 422, 429))
    async def verify_otp(
        self, data: JSONBody[VerifyOtpRequest], verify_otp: NamedDependency[VerifyOtp]
    ) -> TokenResponse:
        """Sign in with the code; a new number becomes a user."""
        return token_response(
            await verify_otp.execute(VerifyOtpCommand(mobile_number=data.mobile_number, otp=data.otp))
        )

    @post("/login", status_code=200, responses=errors(400, 401, 413, 422, 429))
    async def log_in(self, data: JSONBody[LoginRequest], log_in: NamedDependency[LogIn]) -> TokenResponse:
        """Sign in with a password."""
        return token_response(
            await log_in.execute(LogInCommand(mobile_number=data.mobile_number, password=data.password))
        )

    @post("/refresh", status_code=200, responses=errors(400, 401, 413, 422))
    async def refresh(
        self, data: JSONBody[RefreshRequest], refresh_tokens: NamedDependency[RefreshTokens]
    ) -> TokenResponse:
        """Trade a refresh token for a new pair; the old refresh token is spent."""
        return token_response(await refresh_tokens.execute(RefreshTokensCommand(refresh_token=data.refresh_token)))

    @post("/logout", status_code=204, security=BEARER_AUTH, responses=errors(401))
    async def log_out(self, principal: NamedDependency[Principal], log_out: NamedDependency[LogOut]) -> None:
        """End this session: its access and refresh tokens stop working."""
        await log_out.execute(principal)

    @post("/forgot-password", status_code=200, responses=errors(400, 413, 422, 429))
    async def forgot_password(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[MobileNumberRequest],
        forgot_password: NamedDependency[ForgotPassword],
    ) -> OtpSentResponse:
        """Send a password-reset code. Same answer for registered and unknown numbers."""
        sent = await forgot_password.execute(
            ForgotPasswordCommand(mobile_number=data.mobile_number, client=client_address(request))
        )
        return otp_sent_response(sent)

    @post("/reset-password", status_code=200, responses=errors(400, 401, 413, 422, 429))
    async def reset_password(
        self, data: JSONBody[ResetPasswordRequest], reset_password: NamedDependency[ResetPassword]
    ) -> MessageResponse:
        """Set a new password with a reset code; every session of the user ends."""
        await reset_password.execute(
            ResetPasswordCommand(mobile_number=data.mobile_number, otp=data.otp, new_password=data.new_password)
        )
        return MessageResponse(message="Your password has been reset. Sign in with the new password.")

    @post("/change-password", status_code=200, security=BEARER_AUTH, responses=errors(400, 401, 413, 422))
    async def change_password(
        self,
        principal: NamedDependency[Principal],
        data: JSONBody[ChangePasswordRequest],
        change_password: NamedDependency[ChangePassword],
    ) -> TokenResponse:
        """Change the password. Earlier sessions end; this one continues with the new token pair returned."""
        signed_in = await change_password.execute(
            ChangePasswordCommand(principal=principal, new_password=data.new_password, old_password=data.old_password)
        )
        return token_response(signed_in)
