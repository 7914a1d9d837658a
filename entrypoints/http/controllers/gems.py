from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import UNSET

from application.changes import KEEP
from application.use_cases.authenticate import Principal
from application.use_cases.manage_gems import (
    CreateGem,
    CreateGemCommand,
    DeleteGem,
    EditGem,
    EditGemCommand,
    GetGem,
    ListGems,
)
from entrypoints.http.dependencies import BEARER_AUTH
from entrypoints.http.openapi import errors
from entrypoints.http.schemas.gems import CreateGemRequest, GemListResponse, GemResponse, UpdateGemRequest


class GemController(Controller):
    """Gems: saved assistants. `POST /chatroom {gem_id}` starts a chat from one."""

    path = "/gems"
    tags = ["gems"]
    security = BEARER_AUTH

    @post("/", status_code=201, responses=errors(400, 401, 403, 409, 413, 422))
    async def create_gem(
        self,
        principal: NamedDependency[Principal],
        create_gem: NamedDependency[CreateGem],
        data: JSONBody[CreateGemRequest],
    ) -> GemResponse:
        """Save a gem: a `name`, a `description`, the `instructions` every chat started from
        it follows, its `model` (one of your plan's, else 403 `MODEL_NOT_IN_PLAN`; null: your
        plan's default) and its `temperature`. At most 50 each (409 beyond)."""
        gem = await create_gem.execute(
            CreateGemCommand(
                principal=principal,
                name=data.name,
                description=data.description,
                instructions=data.instructions,
                temperature=data.temperature,
                model=data.model,
            )
        )
        return GemResponse.from_domain(gem)

    @get("/", responses=errors(401))
    async def list_gems(
        self, principal: NamedDependency[Principal], list_gems: NamedDependency[ListGems]
    ) -> GemListResponse:
        """Your gems, oldest first."""
        return GemListResponse(items=[GemResponse.from_domain(gem) for gem in await list_gems.execute(principal)])

    @get("/{gem_id:uuid}", responses=errors(400, 401, 404))
    async def get_gem(
        self, principal: NamedDependency[Principal], gem_id: FromPath[UUID], get_gem: NamedDependency[GetGem]
    ) -> GemResponse:
        return GemResponse.from_domain(await get_gem.execute(principal, str(gem_id)))

    @patch("/{gem_id:uuid}", responses=errors(400, 401, 403, 404, 413, 422))
    async def edit_gem(
        self,
        principal: NamedDependency[Principal],
        gem_id: FromPath[UUID],
        edit_gem: NamedDependency[EditGem],
        data: JSONBody[UpdateGemRequest],
    ) -> GemResponse:
        """Change what is sent (`temperature: null` or `model: null` goes back to the default). Chats already
        started from the gem keep the settings they started with."""
        gem = await edit_gem.execute(
            EditGemCommand(
                principal=principal,
                gem_id=str(gem_id),
                name=KEEP if data.name is UNSET else data.name,
                description=KEEP if data.description is UNSET else data.description,
                instructions=KEEP if data.instructions is UNSET else data.instructions,
                temperature=KEEP if data.temperature is UNSET else data.temperature,
                model=KEEP if data.model is UNSET else data.model,
            )
        )
        return GemResponse.from_domain(gem)

    @delete("/{gem_id:uuid}", status_code=204, responses=errors(400, 401, 403, 404))
    async def delete_gem(
        self, principal: NamedDependency[Principal], gem_id: FromPath[UUID], delete_gem: NamedDependency[DeleteGem]
    ) -> None:
        """Delete a gem; chats started from it stay as they are."""
        await delete_gem.execute(principal, str(gem_id))
