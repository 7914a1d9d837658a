"""Stripe through the official client (``StripeClient``), async over httpx."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import stripe

from application.ports.services import (
    CheckoutSession,
    Clock,
    FetchedSubscription,
    PaymentEvent,
    PaymentEventKind,
)
from domain.errors import DependencyUnavailable, InvalidSignature
from domain.subscriptions import SubscriptionSnapshot, SubscriptionStatus
from domain.users import MobileNumber

log = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_SECONDS = 300
_SUBSCRIPTION_EVENTS = {
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
}
_INVOICE_EVENTS = {"invoice.paid", "invoice.payment_failed"}


def create_http_client() -> stripe.HTTPXClient:
    """The client's async transport, made here so the process can close it at shutdown."""
    return stripe.HTTPXClient()


def create_client(secret_key: str, *, api_base: str | None, http_client: stripe.HTTPXClient) -> stripe.StripeClient:
    addresses = {"api": api_base.rstrip("/")} if api_base else {}
    return stripe.StripeClient(
        secret_key,
        http_client=http_client,
        base_addresses=addresses,  # type: ignore[arg-type]
        max_network_retries=2,
    )


class StripePaymentGateway:
    def __init__(
        self,
        client: stripe.StripeClient,
        *,
        price_id: str,
        webhook_secret: str,
        public_url: str,
        clock: Clock,
    ) -> None:
        self._client = client
        self._price_id = price_id
        self._webhook_secret = webhook_secret
        self._public_url = public_url.rstrip("/")
        self._clock = clock

    async def create_customer(self, *, user_id: str, mobile_number: MobileNumber) -> str:
        customer = await self._call(
            self._client.v1.customers.create_async(
                params={"phone": mobile_number.value, "metadata": {"user_id": user_id}},
                # The same user never gets two customers from retried calls.
                options={"idempotency_key": f"customer-{user_id}"},
            )
        )
        return str(customer.id)

    async def create_checkout(self, *, customer_id: str, user_id: str) -> CheckoutSession:
        session = await self._call(
            self._client.v1.checkout.sessions.create_async(
                params={
                    "mode": "subscription",
                    "customer": customer_id,
                    "line_items": [{"price": self._price_id, "quantity": 1}],
                    "client_reference_id": user_id,
                    "metadata": {"user_id": user_id},
                    # Every subscription object then names its user: webhooks need no lookup.
                    "subscription_data": {"metadata": {"user_id": user_id}},
                    # Back to the web page, which waits for the webhook to make the plan Pro.
                    "success_url": f"{self._public_url}/?checkout=success",
                    "cancel_url": f"{self._public_url}/?checkout=cancelled",
                }
            )
        )
        return CheckoutSession(session_id=str(session.id), url=str(session.url))

    async def create_portal(self, *, customer_id: str) -> str:
        portal = await self._call(
            self._client.v1.billing_portal.sessions.create_async(
                params={"customer": customer_id, "return_url": f"{self._public_url}/"}
            )
        )
        return str(portal.url)

    async def cancel_subscription(self, subscription_id: str) -> None:
        # Now, not at the period's end, and with no prorated invoice: the account is going.
        await self._call(self._client.v1.subscriptions.cancel_async(subscription_id), missing_ok=True)

    async def fetch_subscription(self, subscription_id: str, *, as_of: datetime) -> FetchedSubscription:
        found = await self._call(self._client.v1.subscriptions.retrieve_async(subscription_id))
        raw = found.to_dict()
        return FetchedSubscription(
            user_id=_user_id((raw.get("metadata") or {}).get("user_id")),
            snapshot=subscription_snapshot(raw, as_of=as_of),
        )

    def verify_event(self, payload: bytes, signature: str | None) -> PaymentEvent:
        try:
            # The library checks the HMAC over the raw bytes and the timestamp's age.
            self._client.construct_event(
                payload, signature or "", self._webhook_secret, tolerance=SIGNATURE_TOLERANCE_SECONDS
            )
        except stripe.SignatureVerificationError:
            raise InvalidSignature("The Stripe-Signature header is missing, wrong or too old.") from None
        except ValueError:
            raise InvalidSignature("The payload is not a Stripe event.") from None
        return parse_event(json.loads(payload))

    @staticmethod
    async def _call(pending: Any, *, missing_ok: bool = False) -> Any:
        try:
            return await pending
        except stripe.StripeError as error:
            if missing_ok and error.http_status == HTTPStatus.NOT_FOUND:
                return None
            # Logged by type and request id only: Stripe's messages can echo parameters.
            log.error("stripe call failed: %s (request %s)", type(error).__name__, getattr(error, "request_id", None))
            raise DependencyUnavailable("Payments are unavailable right now. Please try again.") from None


def _timestamp(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if isinstance(value, int | float) else None


def subscription_snapshot(raw: dict[str, Any], *, as_of: datetime) -> SubscriptionSnapshot:
    """A Stripe subscription object as our snapshot. On current API versions the period
    lives on the items; older versions have it on the subscription."""
    items = ((raw.get("items") or {}).get("data")) or []
    period_end = _timestamp(items[0].get("current_period_end")) if items else None
    period_end = period_end or _timestamp(raw.get("current_period_end"))
    try:
        status = SubscriptionStatus(str(raw.get("status")))
    except ValueError:
        status = SubscriptionStatus.INCOMPLETE
    return SubscriptionSnapshot(
        subscription_id=str(raw["id"]),
        customer_id=_id_of(raw.get("customer")),
        status=status,
        current_period_end=period_end,
        cancel_at_period_end=bool(raw.get("cancel_at_period_end")),
        as_of=as_of,
    )


def _user_id(value: Any) -> str | None:
    """A user id we put in Stripe's metadata. Anything else there (metadata anyone with
    access to the Stripe account can edit) names nobody."""
    try:
        return str(uuid.UUID(str(value))) if value else None
    except ValueError:
        return None


def _id_of(value: Any) -> str | None:
    """An expandable field: an id string, or the object itself."""
    if isinstance(value, dict):
        return str(value.get("id")) if value.get("id") else None
    return str(value) if value else None


def parse_event(event: dict[str, Any]) -> PaymentEvent:
    event_type = str(event.get("type", ""))
    created = _timestamp(event.get("created")) or datetime.now(UTC)
    obj = (event.get("data") or {}).get("object") or {}
    ignored = PaymentEvent(id=str(event["id"]), type=event_type, kind=PaymentEventKind.IGNORED, created=created)
    if event_type == "checkout.session.completed" and obj.get("mode") == "subscription":
        return replace(
            ignored,
            kind=PaymentEventKind.CHECKOUT_COMPLETED,
            user_id=_user_id(obj.get("client_reference_id") or (obj.get("metadata") or {}).get("user_id")),
            customer_id=_id_of(obj.get("customer")),
            subscription_id=_id_of(obj.get("subscription")),
        )
    if event_type in _SUBSCRIPTION_EVENTS and obj.get("object") == "subscription":
        return replace(
            ignored,
            kind=PaymentEventKind.SUBSCRIPTION_CHANGED,
            user_id=_user_id((obj.get("metadata") or {}).get("user_id")),
            customer_id=_id_of(obj.get("customer")),
            subscription_id=str(obj["id"]),
            subscription=subscription_snapshot(obj, as_of=created),
        )
    if event_type in _INVOICE_EVENTS:
        details = ((obj.get("parent") or {}).get("subscription_details")) or {}
        subscription_id = _id_of(details.get("subscription")) or _id_of(obj.get("subscription"))
        return replace(
            ignored,
            kind=PaymentEventKind.INVOICE_SETTLED if subscription_id else PaymentEventKind.IGNORED,
            user_id=_user_id((details.get("metadata") or {}).get("user_id")),
            customer_id=_id_of(obj.get("customer")),
            subscription_id=subscription_id,
        )
    return ignored
