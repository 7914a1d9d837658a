from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import PaymentGateway
from application.use_cases.authenticate import Principal
from application.use_cases.upgrade_to_pro import customer_for


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenBillingPortal:
    """A link to the payment provider's page where the user manages their subscription."""

    uow: UnitOfWorkFactory
    payments: PaymentGateway

    async def execute(self, principal: Principal) -> str:
        customer_id = await customer_for(self.uow, self.payments, principal.user_id, refuse_pro=False)
        return await self.payments.create_portal(customer_id=customer_id)
