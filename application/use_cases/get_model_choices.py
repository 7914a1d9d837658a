from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.services.plans import plan_of
from application.use_cases.authenticate import Principal
from domain.models import ModelCatalogue, ModelOffer
from domain.users import Tier


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelChoices:
    """The catalogue as one person sees it: which models their plan has, which answers
    when they name none, and which answers a chat that named one."""

    catalogue: ModelCatalogue
    plan: Tier

    def available(self, offer: ModelOffer) -> bool:
        return offer.open_to(self.plan)

    @property
    def default(self) -> ModelOffer:
        return self.catalogue.default_for(self.plan)

    def effective(self, chosen: str | None) -> ModelOffer:
        return self.catalogue.effective(chosen, self.plan)

    def notice(self, chosen: str | None) -> str | None:
        return self.catalogue.unavailable_reason(chosen, self.plan)


@dataclass(frozen=True, slots=True, kw_only=True)
class GetModelChoices:
    uow: UnitOfWorkFactory
    models: ModelCatalogue

    async def execute(self, principal: Principal) -> ModelChoices:
        async with self.uow() as uow:
            return ModelChoices(catalogue=self.models, plan=await plan_of(uow, principal.user_id))
