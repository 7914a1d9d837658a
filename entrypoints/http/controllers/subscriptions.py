from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency

from application.use_cases.authenticate import Principal
from application.use_cases.get_subscription_status import GetSubscriptionStatus
from application.use_cases.handle_payment_event import HandlePaymentEvent, HandlePaymentEventCommand
from application.use_cases.open_billing_portal import OpenBillingPortal
from application.use_cases.upgrade_to_pro import UpgradeToPro
from entrypoints.http.dependencies import BEARER_AUTH
from entrypoints.http.openapi import errors
from entrypoints.http.schemas.subscriptions import (
    CheckoutResponse,
    PortalResponse,
    SubscriptionStatusResponse,
    WebhookResponse,
)


class SubscriptionController(Controller):
    tags = ["subscriptions"]

    @post("/subscribe/pro", status_code=200, security=BEARER_AUTH, responses=errors(401, 403, 409, 503))
    async def subscribe_to_pro(
        self, principal: NamedDependency[Principal], upgrade_to_pro: NamedDependency[UpgradeToPro]
    ) -> CheckoutResponse:
        """Start a Pro checkout. The tier changes when the payment provider confirms it, not on redirect."""
        session = await upgrade_to_pro.execute(principal)
        return CheckoutResponse(checkout_url=session.url, session_id=session.session_id)

    @get("/subscription/status", security=BEARER_AUTH, responses=errors(401))
    async def get_subscription_status(
        self, principal: NamedDependency[Principal], get_subscription_status: NamedDependency[GetSubscriptionStatus]
    ) -> SubscriptionStatusResponse:
        return SubscriptionStatusResponse.from_domain(await get_subscription_status.execute(principal))

    @post("/subscription/portal", status_code=200, security=BEARER_AUTH, responses=errors(401, 403, 503))
    async def open_billing_portal(
        self, principal: NamedDependency[Principal], open_billing_portal: NamedDependency[OpenBillingPortal]
    ) -> PortalResponse:
        """A link to the billing portal, to change or cancel the subscription."""
        return PortalResponse(url=await open_billing_portal.execute(principal))

    # Stripe's events can be large (an invoice with many lines): 1 MiB here, whatever the
    # limit for the other routes.
    @post("/webhook/stripe", status_code=200, responses=errors(400, 413), request_max_body_size=1024 * 1024)
    async def receive_stripe_event(
        self, request: Request[Any, Any, Any], handle_payment_event: NamedDependency[HandlePaymentEvent]
    ) -> WebhookResponse:
        """Stripe events. Verified on the raw body before anything is parsed or stored."""
        await handle_payment_event.execute(
            HandlePaymentEventCommand(payload=await request.body(), signature=request.headers.get("stripe-signature"))
        )
        return WebhookResponse()
