from __future__ import annotations

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import PaymentGateway
from application.use_cases.authenticate import Principal
from application.use_cases.upgrade_to_pro import customer_for


class OpenBillingPortal:
    """A link to the payment provider's page where the user manages their subscription."""

    def __init__(self, *, uow: UnitOfWorkFactory, payments: PaymentGateway) -> None:
        self._uow = uow
        self._payments = payments

    async def execute(self, principal: Principal) -> str:
        customer_id = await customer_for(self._uow, self._payments, principal.user_id, refuse_pro=False)
        return await self._payments.create_portal(customer_id=customer_id)
