"""Which plan a person is on, as the rules about models need it."""

from __future__ import annotations

from application.ports.repositories import UnitOfWork
from domain.users import Tier


async def plan_of(uow: UnitOfWork, user_id: str, *, for_update: bool = False) -> Tier:
    """The person's plan now (Basic for one who no longer exists). ``for_update`` locks
    the person until the end of the transaction."""
    user = await uow.users.get(user_id, for_update=for_update)
    return user.tier if user is not None else Tier.BASIC
