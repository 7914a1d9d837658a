from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from application.use_cases.authenticate import Principal
from application.use_cases.get_profile import GetProfile
from application.use_cases.get_usage import GetUsage
from entrypoints.http.dependencies import BEARER_AUTH
from entrypoints.http.openapi import errors
from entrypoints.http.schemas.auth import UserResponse
from entrypoints.http.schemas.users import UsageResponse


class UserController(Controller):
    path = "/user"
    tags = ["user"]
    security = BEARER_AUTH

    @get("/me", responses=errors(401))
    async def get_profile(
        self, principal: NamedDependency[Principal], get_profile: NamedDependency[GetProfile]
    ) -> UserResponse:
        return UserResponse.from_domain(await get_profile.execute(principal))

    @get("/usage", responses=errors(401))
    async def get_usage(
        self, principal: NamedDependency[Principal], get_usage: NamedDependency[GetUsage]
    ) -> UsageResponse:
        """Today's message count against the daily limit (UTC day)."""
        return UsageResponse.from_domain(await get_usage.execute(principal))
