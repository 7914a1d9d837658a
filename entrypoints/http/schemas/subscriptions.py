"""Pro: checkout, status, portal, the payment provider's events."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from msgspec import Struct

from application.use_cases.get_subscription_status import SubscriptionStatusResult


class CheckoutResponse(Struct):
    checkout_url: str
    session_id: str


class SubscriptionStatusResponse(Struct):
    tier: Literal["basic", "pro"]
    status: str
    current_period_end: datetime | None
    cancel_at_period_end: bool

    @classmethod
    def from_domain(cls, result: SubscriptionStatusResult) -> SubscriptionStatusResponse:
        return cls(
            tier=result.tier.value,
            status=result.status.value,
            current_period_end=result.current_period_end,
            cancel_at_period_end=result.cancel_at_period_end,
        )


class PortalResponse(Struct):
    url: str


class WebhookResponse(Struct):
    received: bool = True


# Operations


class FakeCheckoutResponse(Struct):
    completed: bool
    events: list[str]
    next: str
