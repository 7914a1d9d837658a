from __future__ import annotations

from dataclasses import dataclass

from application.ports.services import CheckoutSimulator
from application.use_cases.handle_payment_event import (
    HandlePaymentEvent,
    HandlePaymentEventCommand,
    PaymentEventOutcome,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CompleteTestCheckout:
    """Development only: pay for a checkout on the fake provider and deliver the signed
    events it produces through the real webhook handling, so Pro happens the same way
    it does with Stripe."""

    simulator: CheckoutSimulator
    handle_payment_event: HandlePaymentEvent

    async def execute(self, session_id: str) -> list[PaymentEventOutcome]:
        deliveries = self.simulator.complete_checkout(session_id)
        return [
            await self.handle_payment_event.execute(HandlePaymentEventCommand(payload=d.payload, signature=d.signature))
            for d in deliveries
        ]
