from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from application.use_cases.authenticate import Principal
from application.use_cases.get_model_choices import GetModelChoices
from entrypoints.http.dependencies import BEARER_AUTH
from entrypoints.http.openapi import errors
from entrypoints.http.schemas.models import ModelListResponse


class ModelController(Controller):
    path = "/models"
    tags = ["models"]
    security = BEARER_AUTH

    @get("/", responses=errors(401))
    async def list_models(
        self, principal: NamedDependency[Principal], get_model_choices: NamedDependency[GetModelChoices]
    ) -> ModelListResponse:
        """Every model this deployment offers, in its operator's order: which plan has it,
        whether yours does (`available`), which is your plan's default, how much it reads
        and writes, and whether it takes attachments. Choose one for a chat or a gem by its
        `id`; one outside your plan is refused with 403 `MODEL_NOT_IN_PLAN`."""
        return ModelListResponse.from_domain(await get_model_choices.execute(principal))
