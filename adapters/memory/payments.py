from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from application.ports.services import (
    CheckoutSession,
    Clock,
    FetchedSubscription,
    PaymentEvent,
    PaymentEventKind,
    SignedWebhook,
)
from domain.errors import InvalidSignature, NotFound
from domain.subscriptions import SubscriptionSnapshot, SubscriptionStatus
from domain.users import MobileNumber

SIGNATURE_TOLERANCE_SECONDS = 300
BILLING_PERIOD = timedelta(days=30)


@dataclass(slots=True)
class _FakeSubscription:
    user_id: str
    snapshot: SubscriptionSnapshot


def _fake_id(prefix: str) -> str:
    """Unique across restarts and processes, as the provider's ids are: a counter that
    restarts would hand a new user the customer id the last run stored for another."""
    return f"{prefix}_fake_{uuid.uuid4().hex[:24]}"


def sign(payload: bytes, secret: str, *, timestamp: int) -> str:
    """The provider's scheme: ``t=<unix>,v1=hex(HMAC-SHA256(secret, "<t>.<body>"))``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class FakePaymentGateway:
    """The payment provider, simulated in process: customers, checkout sessions and
    subscriptions live here, and every state change comes out as a signed event that
    must go through the webhook like a real one. Its events are its own JSON, signed
    the way Stripe signs, so the webhook's verification path is the real one."""

    def __init__(self, *, clock: Clock, webhook_secret: str, public_url: str) -> None:
        self._clock = clock
        self._secret = webhook_secret
        self._public_url = public_url.rstrip("/")

        self._customers: dict[str, str] = {}
        self._sessions: dict[str, tuple[str, str]] = {}
        self._subscriptions: dict[str, _FakeSubscription] = {}
        self._paid_checkouts: dict[str, str] = {}

    async def create_customer(self, *, user_id: str, mobile_number: MobileNumber) -> str:
        customer_id = _fake_id("cus")
        self._customers[customer_id] = user_id
        return customer_id

    async def create_checkout(self, *, customer_id: str, user_id: str) -> CheckoutSession:
        session_id = _fake_id("cs")
        self._sessions[session_id] = (customer_id, user_id)
        return CheckoutSession(session_id=session_id, url=f"{self._public_url}/dev/fake-checkout/{session_id}")

    async def create_portal(self, *, customer_id: str) -> str:
        return f"{self._public_url}/dev/fake-billing-portal/{customer_id}"

    async def cancel_subscription(self, subscription_id: str) -> None:
        found = self._subscriptions.get(subscription_id)
        if found is not None:
            found.snapshot = replace(found.snapshot, status=SubscriptionStatus.CANCELED, as_of=self._clock.now())

    async def fetch_subscription(self, subscription_id: str, *, as_of: datetime) -> FetchedSubscription:
        found = self._subscriptions.get(subscription_id)
        if found is None:
            raise NotFound("No such subscription.")
        return FetchedSubscription(user_id=found.user_id, snapshot=replace(found.snapshot, as_of=as_of))

    def verify_event(self, payload: bytes, signature: str | None) -> PaymentEvent:
        if not signature:
            raise InvalidSignature("The Stripe-Signature header is missing.")
        fields = [part.split("=", 1) for part in signature.split(",") if "=" in part]
        timestamps = [value for key, value in fields if key == "t"]
        candidates = [value for key, value in fields if key == "v1"]
        if len(timestamps) != 1 or not timestamps[0].isdigit() or not candidates:
            raise InvalidSignature("The Stripe-Signature header is malformed.")
        timestamp = int(timestamps[0])
        expected = sign(payload, self._secret, timestamp=timestamp).split("v1=", 1)[1]
        if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
            raise InvalidSignature("The signature does not match the payload.")
        if abs(self._clock.now().timestamp() - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
            raise InvalidSignature("The signature is too old.")
        try:
            return _parse(json.loads(payload))
        except (ValueError, KeyError, TypeError):
            raise InvalidSignature("The payload is not an event this gateway sent.") from None

    # What a person does on the provider's pages, and the events it produces.

    def complete_checkout(self, session_id: str, *, metadata_user_id: str | None = None) -> list[SignedWebhook]:
        """The person paid. ``metadata_user_id`` makes the events name another user than
        the one the checkout was for (what a tampered or mixed-up metadata looks like)."""
        if session_id not in self._sessions:
            raise NotFound("No such checkout session.")
        customer_id, user_id = self._sessions.pop(session_id)
        user_id = metadata_user_id or user_id
        now = self._clock.now()
        subscription_id = _fake_id("sub")
        snapshot = SubscriptionSnapshot(
            subscription_id=subscription_id,
            customer_id=customer_id,
            status=SubscriptionStatus.ACTIVE,
            current_period_end=now + BILLING_PERIOD,
            cancel_at_period_end=False,
            as_of=now,
        )
        self._subscriptions[subscription_id] = _FakeSubscription(user_id=user_id, snapshot=snapshot)
        self._paid_checkouts[session_id] = subscription_id
        return [
            self._event(
                "checkout.session.completed", PaymentEventKind.CHECKOUT_COMPLETED, user_id, snapshot, embed=False
            ),
            self._event("customer.subscription.created", PaymentEventKind.SUBSCRIPTION_CHANGED, user_id, snapshot),
            self._event("invoice.paid", PaymentEventKind.INVOICE_SETTLED, user_id, snapshot, embed=False),
        ]

    def subscriptions_of_checkout(self, session_id: str) -> str:
        return self._paid_checkouts[session_id]

    def change_subscription(
        self, subscription_id: str, *, status: SubscriptionStatus, cancel_at_period_end: bool = False
    ) -> SignedWebhook:
        found = self._subscriptions[subscription_id]
        found.snapshot = replace(
            found.snapshot, status=status, cancel_at_period_end=cancel_at_period_end, as_of=self._clock.now()
        )
        event_type = (
            "customer.subscription.deleted"
            if status is SubscriptionStatus.CANCELED
            else "customer.subscription.updated"
        )
        return self._event(event_type, PaymentEventKind.SUBSCRIPTION_CHANGED, found.user_id, found.snapshot)

    def _event(
        self,
        event_type: str,
        kind: PaymentEventKind,
        user_id: str,
        snapshot: SubscriptionSnapshot,
        *,
        embed: bool = True,
    ) -> SignedWebhook:
        body: dict[str, Any] = {
            "id": _fake_id("evt"),
            "type": event_type,
            "kind": kind,
            "created": self._clock.now().timestamp(),
            "user_id": user_id,
            "customer_id": snapshot.customer_id,
            "subscription_id": snapshot.subscription_id,
            "subscription": _snapshot_json(snapshot) if embed else None,
        }
        payload = json.dumps(body).encode()
        return SignedWebhook(
            payload=payload, signature=sign(payload, self._secret, timestamp=int(self._clock.now().timestamp()))
        )


def _snapshot_json(snapshot: SubscriptionSnapshot) -> dict[str, Any]:
    return {
        "status": snapshot.status,
        "current_period_end": snapshot.current_period_end.timestamp() if snapshot.current_period_end else None,
        "cancel_at_period_end": snapshot.cancel_at_period_end,
        "as_of": snapshot.as_of.timestamp(),
    }


def _parse(body: dict[str, Any]) -> PaymentEvent:
    embedded = body.get("subscription")
    snapshot = None
    if embedded is not None:
        period_end = embedded["current_period_end"]
        snapshot = SubscriptionSnapshot(
            subscription_id=body["subscription_id"],
            customer_id=body.get("customer_id"),
            status=SubscriptionStatus(embedded["status"]),
            current_period_end=datetime.fromtimestamp(period_end, UTC) if period_end is not None else None,
            cancel_at_period_end=bool(embedded["cancel_at_period_end"]),
            as_of=datetime.fromtimestamp(embedded["as_of"], UTC),
        )
    return PaymentEvent(
        id=body["id"],
        type=body["type"],
        kind=PaymentEventKind(body["kind"]),
        created=datetime.fromtimestamp(body["created"], UTC),
        user_id=body.get("user_id"),
        customer_id=body.get("customer_id"),
        subscription_id=body.get("subscription_id"),
        subscription=snapshot,
    )
