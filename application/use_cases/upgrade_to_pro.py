from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import CheckoutSession, PaymentGateway
from application.use_cases.authenticate import Principal
from domain.errors import Conflict, NotFound
from domain.users import Tier


@dataclass(frozen=True, slots=True, kw_only=True)
class UpgradeToPro:
    """Start a Pro checkout. Nothing changes here: the tier changes only when the
    payment provider's signed event says the subscription is live."""

    uow: UnitOfWorkFactory
    payments: PaymentGateway

    async def execute(self, principal: Principal) -> CheckoutSession:
        customer_id = await customer_for(self.uow, self.payments, principal.user_id, refuse_pro=True)
        return await self.payments.create_checkout(customer_id=customer_id, user_id=principal.user_id)


async def customer_for(
    uow_factory: UnitOfWorkFactory, payments: PaymentGateway, user_id: str, *, refuse_pro: bool
) -> str:
    """The user's customer id at the payment provider, created on first use.

    The provider call happens outside any transaction; if two first calls race, the
    first customer id stored wins and the other is never used.
    """
    async with uow_factory() as uow:
        user = await uow.users.get(user_id)
        if user is None:
            raise NotFound("User not found.")
        if refuse_pro and user.tier is Tier.PRO:
            raise Conflict("You are already on Pro.")
        known = await uow.customers.customer_of(user_id)
    if known is not None:
        return known
    created = await payments.create_customer(user_id=user.id, mobile_number=user.mobile_number)
    try:
        async with uow_factory() as uow:
            await uow.customers.link(user_id, created)
            await uow.commit()
    except Conflict:
        async with uow_factory() as uow:
            stored = await uow.customers.customer_of(user_id)
        if stored is None:
            raise
        return stored
    return created
