"""Gems: a person's saved assistants (a name, a description, instructions, a model and
a temperature), to start chats from. A gem's model is checked against its owner's plan
when it is saved (MODEL_NOT_IN_PLAN)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from application.changes import KEEP, Keep
from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, IdGenerator
from application.services.ownership import owned_gem
from application.services.plans import plan_of
from application.use_cases.authenticate import Principal
from domain.errors import Conflict
from domain.gems import MAX_GEMS_PER_PERSON, Gem
from domain.models import ModelCatalogue


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateGemCommand:
    principal: Principal
    name: str
    description: str = ""
    instructions: str = ""
    temperature: float | None = None
    # A model of the caller's plan; None: the plan's default.
    model: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateGem:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    models: ModelCatalogue

    async def execute(self, command: CreateGemCommand) -> Gem:
        owner = command.principal.user_id
        gem = Gem.create(
            id=self.ids.new_id(),
            owner_id=owner,
            name=command.name,
            description=command.description,
            instructions=command.instructions,
            temperature=command.temperature,
            now=self.clock.now(),
        )
        async with self.uow() as uow:
            # Locked: two saves at once cannot both take the fiftieth place.
            plan = await plan_of(uow, owner, for_update=True)
            gem.choose_model(self.models.choose(command.model, plan), gem.created_at)
            if await uow.gems.count_for(owner) >= MAX_GEMS_PER_PERSON:
                raise Conflict(f"You have {MAX_GEMS_PER_PERSON} gems, the most there can be: delete one first.")
            await uow.gems.add(gem)
            await uow.commit()
        return gem


@dataclass(frozen=True, slots=True, kw_only=True)
class ListGems:
    uow: UnitOfWorkFactory

    async def execute(self, principal: Principal) -> Sequence[Gem]:
        async with self.uow() as uow:
            return await uow.gems.list_for(principal.user_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class GetGem:
    uow: UnitOfWorkFactory

    async def execute(self, principal: Principal, gem_id: str) -> Gem:
        async with self.uow() as uow:
            return await owned_gem(uow, gem_id=gem_id, owner_id=principal.user_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class EditGemCommand:
    principal: Principal
    gem_id: str
    name: str | Keep = KEEP
    description: str | Keep = KEEP
    instructions: str | Keep = KEEP
    temperature: float | Keep | None = KEEP
    model: str | Keep | None = KEEP


@dataclass(frozen=True, slots=True, kw_only=True)
class EditGem:
    """Change a gem. Chats already started from it keep the settings they started with."""

    uow: UnitOfWorkFactory
    clock: Clock
    models: ModelCatalogue

    async def execute(self, command: EditGemCommand) -> Gem:
        now = self.clock.now()
        async with self.uow() as uow:
            gem = await owned_gem(uow, gem_id=command.gem_id, owner_id=command.principal.user_id)
            if command.name is not KEEP:
                gem.rename(command.name, now)
            if command.description is not KEEP:
                gem.describe(command.description, now)
            if command.instructions is not KEEP:
                gem.instruct(command.instructions, now)
            if command.temperature is not KEEP:
                gem.set_temperature(command.temperature, now)
            if command.model is not KEEP:
                gem.choose_model(self.models.choose(command.model, await plan_of(uow, gem.owner_id)), now)
            await uow.gems.update(gem)
            await uow.commit()
        return gem


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteGem:
    """Delete a gem; chats started from it stay as they are."""

    uow: UnitOfWorkFactory

    async def execute(self, principal: Principal, gem_id: str) -> None:
        async with self.uow() as uow:
            gem = await owned_gem(uow, gem_id=gem_id, owner_id=principal.user_id)
            await uow.gems.delete(gem)
            await uow.commit()
