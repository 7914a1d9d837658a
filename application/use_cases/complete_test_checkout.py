from __future__ import annotations

from application.ports.services import CheckoutSimulator
from application.use_cases.handle_payment_event import (
    HandlePaymentEvent,
    HandlePaymentEventCommand,
    PaymentEventOutcome,
)


class CompleteTestCheckout:
    """Development only: pay for a checkout on the fake provider and deliver the signed
    events it produces through the real webhook handling, so Pro happens the same way
    it does with Stripe."""

    def __init__(self, *, simulator: CheckoutSimulator, handle_payment_event: HandlePaymentEvent) -> None:
        self._simulator = simulator
        self._handle = handle_payment_event

    async def execute(self, session_id: str) -> list[PaymentEventOutcome]:
        deliveries = self._simulator.complete_checkout(session_id)
        return [
            await self._handle.execute(HandlePaymentEventCommand(payload=d.payload, signature=d.signature))
            for d in deliveries
        ]
