from __future__ import annotations

import contextlib
from datetime import date
from typing import Annotated

from litestar import Controller, Response, delete, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from application.use_cases.authenticate import Principal
from application.use_cases.delete_account import DeleteAccount, DeleteAccountCommand
from application.use_cases.get_instructions import GetInstructions
from application.use_cases.get_model_usage import GetModelUsage
from application.use_cases.get_profile import GetProfile
from application.use_cases.get_usage import GetUsage
from application.use_cases.set_instructions import SetInstructions, SetInstructionsCommand
from domain.errors import ValidationError
from entrypoints.http.browser_sessions import BrowserSessions
from entrypoints.http.dependencies import BEARER_AUTH
from entrypoints.http.openapi import errors
from entrypoints.http.schemas.auth import UserResponse
from entrypoints.http.schemas.users import (
    DeleteAccountRequest,
    InstructionsRequest,
    InstructionsResponse,
    UsageResponse,
)


class UserController(Controller):
    path = "/user"
    tags = ["user"]
    security = BEARER_AUTH

    @get("/me", responses=errors(401))
    async def get_profile(
        self, principal: NamedDependency[Principal], get_profile: NamedDependency[GetProfile]
    ) -> UserResponse:
        return UserResponse.from_domain(await get_profile.execute(principal))

    @delete("/me", status_code=204, responses=errors(400, 401, 403, 413, 422, 429, 503))
    async def delete_account(
        self,
        principal: NamedDependency[Principal],
        data: JSONBody[DeleteAccountRequest],
        delete_account: NamedDependency[DeleteAccount],
        browser_sessions: NamedDependency[BrowserSessions],
        caller_address: NamedDependency[str | None],
    ) -> Response[None]:
        """Delete your account for good. Needs a fresh code: ask for one with
        `POST /auth/send-confirmation-code`, then send it here as `otp` (a wrong code is
        401 and counts against it). A Pro subscription is cancelled now, with no further
        charge. Every chat, message, file, share link, export, Gem and session goes; the
        mobile number can sign up again as a new, empty account. What stays is what
        billing law needs and names nobody: the ids of processed payment events. If the
        payment provider cannot be reached, nothing is deleted (503) and the code stays
        good for another try. A browser session's cookies are cleared."""
        await delete_account.execute(DeleteAccountCommand(principal=principal, otp=data.otp, client=caller_address))
        return Response(None, status_code=204, cookies=browser_sessions.signed_out())

    @get("/usage", responses=errors(400, 401, 422))
    async def get_usage(
        self,
        principal: NamedDependency[Principal],
        get_usage: NamedDependency[GetUsage],
        get_model_usage: NamedDependency[GetModelUsage],
        # Read as text and parsed here, so that a bad date is reported under the name the
        # client sent (`from` is no Python name).
        first: Annotated[
            str | None, QueryParameter(query="from", description="First UTC day of `by_model`, YYYY-MM-DD")
        ] = None,
        last: Annotated[
            str | None, QueryParameter(query="to", description="Last UTC day of `by_model`, YYYY-MM-DD, included")
        ] = None,
    ) -> UsageResponse:
        """Today's message count against the daily limit (UTC day), and replies and tokens
        per model: today, or the days `from` to `to` (both included; at most 366; one end
        alone is one day)."""
        status = await get_usage.execute(principal)
        report = await get_model_usage.execute(principal, _day("from", first), _day("to", last))
        return UsageResponse.from_domain(status, report)

    @get("/instructions", responses=errors(401))
    async def get_instructions(
        self, principal: NamedDependency[Principal], get_instructions: NamedDependency[GetInstructions]
    ) -> InstructionsResponse:
        """Your standing instructions to the model (empty strings when none are set)."""
        return InstructionsResponse.from_domain(await get_instructions.execute(principal))

    @put("/instructions", responses=errors(400, 401, 403, 422))
    async def set_instructions(
        self,
        principal: NamedDependency[Principal],
        set_instructions: NamedDependency[SetInstructions],
        data: JSONBody[InstructionsRequest],
    ) -> InstructionsResponse:
        """Replace your standing instructions: `about_me` (what the model should know about
        you) and `response_style` (how you want it to answer), each at most 1,500
        characters. They go into the system instruction of every reply written from now
        on, after the deployment's own, and are never trimmed to fit the context: the
        conversation is. A field left out is cleared."""
        saved = await set_instructions.execute(
            SetInstructionsCommand(principal=principal, about_me=data.about_me, response_style=data.response_style)
        )
        return InstructionsResponse.from_domain(saved)


def _day(name: str, given: str | None) -> date | None:
    """A UTC day as YYYY-MM-DD (not the other forms ``fromisoformat`` also takes)."""
    if given is None:
        return None
    if len(given) == 10:
        with contextlib.suppress(ValueError):
            return date.fromisoformat(given)
    raise ValidationError.for_field(name, "must be a day, YYYY-MM-DD")
