from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, JSONBody

from application.use_cases.authenticate import Principal
from application.use_cases.change_password import ChangePassword, ChangePasswordCommand
from application.use_cases.forgot_password import ForgotPassword, ForgotPasswordCommand
from application.use_cases.log_in import LogIn, LogInCommand
from application.use_cases.log_out import LogOut
from application.use_cases.refresh_tokens import RefreshTokens, RefreshTokensCommand
from application.use_cases.reset_password import ResetPassword, ResetPasswordCommand
from application.use_cases.send_confirmation_code import SendConfirmationCode, SendConfirmationCodeCommand
from application.use_cases.send_otp import SendOtp, SendOtpCommand
from application.use_cases.sign_up import SignUp, SignUpCommand
from application.use_cases.verify_otp import VerifyOtp, VerifyOtpCommand
from application.use_cases.verify_sign_up import VerifySignUp, VerifySignUpCommand
from domain.errors import Unauthenticated
from entrypoints.http.browser_sessions import REFRESH_COOKIE, BrowserSessions, require_same_site
from entrypoints.http.dependencies import BEARER_AUTH
from entrypoints.http.openapi import errors
from entrypoints.http.schemas.auth import (
    ChangePasswordRequest,
    LoginRequest,
    MobileNumberRequest,
    OtpSentResponse,
    RefreshRequest,
    ResetPasswordRequest,
    SignUpRequest,
    SignUpStartedResponse,
    TokenResponse,
    VerifyOtpRequest,
    VerifySignUpRequest,
)
from entrypoints.http.schemas.common import MessageResponse

CallerAddress = NamedDependency[str | None]


# Documented on each sign-in route; read by BrowserSessions from the request itself.
SessionTransport = Annotated[
    str | None,
    HeaderParameter(
        name="X-Session-Transport",
        pattern="^cookie$",
        description="`cookie`: a browser session; the tokens come as HttpOnly cookies, not in the body",
    ),
]


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post("/signup", status_code=202, responses=errors(400, 413, 422, 429, 503))
    async def sign_up(
        self, data: JSONBody[SignUpRequest], sign_up: NamedDependency[SignUp], caller_address: CallerAddress
    ) -> SignUpStartedResponse:
        """Start a sign-up: a code is sent to the number. Nothing is created until the code comes back, with
        the `signup_token` of this answer, to `/auth/verify-signup`. Every number gets the same answer."""
        started = await sign_up.execute(
            SignUpCommand(
                mobile_number=data.mobile_number, password=data.password, name=data.name, client=caller_address
            )
        )
        return SignUpStartedResponse.from_domain(started)

    @post("/verify-signup", status_code=200, responses=errors(400, 401, 413, 422, 429, 503))
    async def verify_sign_up(
        self,
        data: JSONBody[VerifySignUpRequest],
        verify_sign_up: NamedDependency[VerifySignUp],
        caller_address: CallerAddress,
        request: Request[Any, Any, Any],
        browser_sessions: NamedDependency[BrowserSessions],
        session_transport: SessionTransport = None,
    ) -> Response[TokenResponse]:
        """Finish a sign-up with the code and the `signup_token`: the account is created and signed in. If the
        number already had an account, that account is signed in instead (notice `ACCOUNT_EXISTS`)."""
        signed_in = await verify_sign_up.execute(
            VerifySignUpCommand(
                mobile_number=data.mobile_number,
                otp=data.otp,
                signup_token=data.signup_token,
                client=caller_address,
            )
        )
        return browser_sessions.signed_in(request, signed_in)

    @post("/send-otp", status_code=200, responses=errors(400, 413, 422, 429, 503))
    async def send_otp(
        self, data: JSONBody[MobileNumberRequest], send_otp: NamedDependency[SendOtp], caller_address: CallerAddress
    ) -> OtpSentResponse:
        """Send a sign-in code. Same answer for registered and new numbers."""
        sent = await send_otp.execute(SendOtpCommand(mobile_number=data.mobile_number, client=caller_address))
        return OtpSentResponse.from_domain(sent)

    @post("/verify-otp", status_code=200, responses=errors(400, 401, 413, 422, 429, 503))
    async def verify_otp(
        self,
        data: JSONBody[VerifyOtpRequest],
        verify_otp: NamedDependency[VerifyOtp],
        caller_address: CallerAddress,
        request: Request[Any, Any, Any],
        browser_sessions: NamedDependency[BrowserSessions],
        session_transport: SessionTransport = None,
    ) -> Response[TokenResponse]:
        """Sign in with the code; a new number becomes a user."""
        signed_in = await verify_otp.execute(
            VerifyOtpCommand(mobile_number=data.mobile_number, otp=data.otp, client=caller_address)
        )
        return browser_sessions.signed_in(request, signed_in)

    @post("/login", status_code=200, responses=errors(400, 401, 413, 422, 429, 503))
    async def log_in(
        self,
        data: JSONBody[LoginRequest],
        log_in: NamedDependency[LogIn],
        caller_address: CallerAddress,
        request: Request[Any, Any, Any],
        browser_sessions: NamedDependency[BrowserSessions],
        session_transport: SessionTransport = None,
    ) -> Response[TokenResponse]:
        """Sign in with a password (only for an account whose number was confirmed with a code)."""
        signed_in = await log_in.execute(
            LogInCommand(mobile_number=data.mobile_number, password=data.password, client=caller_address)
        )
        return browser_sessions.signed_in(request, signed_in)

    @post("/refresh", status_code=200, responses=errors(400, 401, 403, 413, 422))
    async def refresh_session(
        self,
        refresh_tokens: NamedDependency[RefreshTokens],
        request: Request[Any, Any, Any],
        browser_sessions: NamedDependency[BrowserSessions],
        session_transport: SessionTransport = None,
        data: JSONBody[RefreshRequest | None] = None,
    ) -> Response[TokenResponse]:
        """Trade a refresh token for a new pair; the old refresh token is spent. A browser session
        sends no body: its refresh cookie is used (with the same-site checks of any change)."""
        if data is not None:
            refresh_token = data.refresh_token
        elif REFRESH_COOKIE in request.cookies:
            require_same_site(request)
            refresh_token = request.cookies[REFRESH_COOKIE]
        else:
            raise Unauthenticated('Send the refresh token as {"refresh_token": ...}.')
        signed_in = await refresh_tokens.execute(RefreshTokensCommand(refresh_token=refresh_token))
        return browser_sessions.signed_in(request, signed_in)

    @post("/logout", status_code=204, security=BEARER_AUTH, responses=errors(401, 403))
    async def log_out(
        self,
        principal: NamedDependency[Principal],
        log_out: NamedDependency[LogOut],
        browser_sessions: NamedDependency[BrowserSessions],
    ) -> Response[None]:
        """End this session: its access and refresh tokens stop working, and its open reply streams end.
        A browser session's cookies are cleared."""
        await log_out.execute(principal)
        return Response(None, status_code=204, cookies=browser_sessions.signed_out())

    @post("/forgot-password", status_code=200, responses=errors(400, 413, 422, 429, 503))
    async def forgot_password(
        self,
        data: JSONBody[MobileNumberRequest],
        forgot_password: NamedDependency[ForgotPassword],
        caller_address: CallerAddress,
    ) -> OtpSentResponse:
        """Send a password-reset code. Same answer for registered and unknown numbers."""
        sent = await forgot_password.execute(
            ForgotPasswordCommand(mobile_number=data.mobile_number, client=caller_address)
        )
        return OtpSentResponse.from_domain(sent)

    @post("/reset-password", status_code=200, responses=errors(400, 401, 413, 422, 429, 503))
    async def reset_password(
        self,
        data: JSONBody[ResetPasswordRequest],
        reset_password: NamedDependency[ResetPassword],
        caller_address: CallerAddress,
    ) -> MessageResponse:
        """Set a new password with a reset code; every session of the user ends."""
        await reset_password.execute(
            ResetPasswordCommand(
                mobile_number=data.mobile_number, otp=data.otp, new_password=data.new_password, client=caller_address
            )
        )
        return MessageResponse(message="Your password has been reset. Sign in with the new password.")

    @post(
        "/send-confirmation-code",
        status_code=200,
        security=BEARER_AUTH,
        responses=errors(401, 403, 429, 503),
    )
    async def send_confirmation_code(
        self,
        principal: NamedDependency[Principal],
        send_confirmation_code: NamedDependency[SendConfirmationCode],
        caller_address: CallerAddress,
    ) -> OtpSentResponse:
        """Send a code to your own number, for changes that need fresh proof you hold it (a first password)."""
        sent = await send_confirmation_code.execute(
            SendConfirmationCodeCommand(principal=principal, client=caller_address)
        )
        return OtpSentResponse.from_domain(sent)

    @post(
        "/change-password",
        status_code=200,
        security=BEARER_AUTH,
        responses=errors(400, 401, 403, 409, 413, 422, 429, 503),
    )
    async def change_password(
        self,
        principal: NamedDependency[Principal],
        data: JSONBody[ChangePasswordRequest],
        change_password: NamedDependency[ChangePassword],
        caller_address: CallerAddress,
        request: Request[Any, Any, Any],
        browser_sessions: NamedDependency[BrowserSessions],
        session_transport: SessionTransport = None,
    ) -> Response[TokenResponse]:
        """Change the password (`old_password`), or set a first one (`otp` from `/auth/send-confirmation-code`).
        Earlier sessions end; this one continues with the new token pair returned."""
        signed_in = await change_password.execute(
            ChangePasswordCommand(
                principal=principal,
                new_password=data.new_password,
                old_password=data.old_password,
                otp=data.otp,
                client=caller_address,
            )
        )
        return browser_sessions.signed_in(request, signed_in)
