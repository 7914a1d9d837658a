"""A fake Stripe API for the endpoints our adapter calls, driven by the real
stripe-python client (pointed here through its API base), plus webhook deliveries
signed exactly as Stripe signs them.

``lifecycle`` helpers play what happens on Stripe's side (a customer pays, a
subscription is cancelled) and return the events Stripe would send, as dicts."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any

from litestar import Litestar, Request, Response, delete, get, post
from litestar.params import FromPath

from tests.fakes.background import BackgroundServer

SECRET_KEY = "sk_test_fake"
PRICE_ID = "price_fake_pro"
_ids = itertools.count(1)


def sign(payload: bytes, secret: str, *, timestamp: int | None = None, extra_secrets: tuple[str, ...] = ()) -> str:
    """Stripe-Signature: ``t=<unix>,v1=<hex HMAC-SHA256(secret, "t.payload")>``, one v1 per
    secret (during a secret rotation Stripe signs with both)."""
    t = int(time.time()) if timestamp is None else timestamp
    macs = [
        hmac.new(s.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest() for s in (secret, *extra_secrets)
    ]
    return ",".join([f"t={t}", *(f"v1={mac}" for mac in macs)])


def event(event_type: str, obj: dict[str, Any], *, created: int | None = None) -> dict[str, Any]:
    return {
        "id": f"evt_fake_{next(_ids)}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()) if created is None else created,
        "api_version": "2025-03-31.basil",
        "livemode": False,
        "data": {"object": obj},
    }


class FakeStripe:
    def __init__(self) -> None:
        self.customers: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._idempotent: dict[str, dict[str, Any]] = {}

    def subscription(
        self, *, customer: str, user_id: str, status: str = "active", period_end: int | None = None
    ) -> dict[str, Any]:
        subscription_id = f"sub_fake_{next(_ids)}"
        obj = {
            "id": subscription_id,
            "object": "subscription",
            "status": status,
            "customer": customer,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "metadata": {"user_id": user_id},
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": f"si_fake_{next(_ids)}",
                        "object": "subscription_item",
                        "price": {"id": PRICE_ID, "object": "price"},
                        "current_period_end": period_end or int(time.time()) + 30 * 86400,
                    }
                ],
            },
        }
        self.subscriptions[subscription_id] = obj
        return obj

    def complete_checkout(self, session_id: str) -> list[dict[str, Any]]:
        """The customer paid: the events Stripe sends for a new subscription."""
        session = self.sessions[session_id]
        user_id = session["subscription_data[metadata][user_id]"]
        subscription = self.subscription(customer=session["customer"], user_id=user_id)
        completed = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "subscription",
            "status": "complete",
            "payment_status": "paid",
            "customer": session["customer"],
            "subscription": subscription["id"],
            "client_reference_id": session["client_reference_id"],
            "metadata": {"user_id": session["metadata[user_id]"]},
        }
        invoice = {
            "id": f"in_fake_{next(_ids)}",
            "object": "invoice",
            "customer": session["customer"],
            "status": "paid",
            "parent": {
                "type": "subscription_details",
                "subscription_details": {"subscription": subscription["id"], "metadata": {"user_id": user_id}},
            },
        }
        return [
            event("checkout.session.completed", completed),
            event("customer.subscription.created", dict(subscription)),
            event("invoice.paid", invoice),
        ]

    def update_subscription(
        self, subscription_id: str, *, created: int | None = None, **changes: Any
    ) -> dict[str, Any]:
        obj = self.subscriptions[subscription_id]
        obj.update(changes)
        kind = "customer.subscription.deleted" if obj["status"] == "canceled" else "customer.subscription.updated"
        return event(kind, json.loads(json.dumps(obj)), created=created)


fake = FakeStripe()


def _stripe_error(status: int, message: str, kind: str = "invalid_request_error") -> Response[Any]:
    return Response({"error": {"type": kind, "message": message, "param": None, "code": None}}, status_code=status)


async def _form(request: Request[Any, Any, Any]) -> dict[str, str] | Response[Any]:
    if request.headers.get("authorization") != f"Bearer {SECRET_KEY}":
        return _stripe_error(401, "Invalid API Key provided.", "invalid_request_error")
    form = {k: str(v) for k, v in (await request.form()).items()}
    fake.requests.append((request.method, request.url.path, form))
    return form


@post("/v1/customers", status_code=200)
async def create_customer(request: Request[Any, Any, Any]) -> Any:
    form = await _form(request)
    if isinstance(form, Response):
        return form
    key = request.headers.get("idempotency-key")
    if key and key in fake._idempotent:
        return fake._idempotent[key]
    customer = {
        "id": f"cus_fake_{next(_ids)}",
        "object": "customer",
        "phone": form.get("phone"),
        "metadata": {"user_id": form.get("metadata[user_id]")},
    }
    fake.customers[customer["id"]] = customer
    if key:
        fake._idempotent[key] = customer
    return customer


@post("/v1/checkout/sessions", status_code=200)
async def create_session(request: Request[Any, Any, Any]) -> Any:
    form = await _form(request)
    if isinstance(form, Response):
        return form
    if form.get("line_items[0][price]") != PRICE_ID:
        return _stripe_error(400, "No such price")
    if form.get("customer") not in fake.customers:
        return _stripe_error(400, "No such customer")
    session_id = f"cs_test_fake_{next(_ids)}"
    fake.sessions[session_id] = form
    return {
        "id": session_id,
        "object": "checkout.session",
        "url": f"https://checkout.stripe.test/c/pay/{session_id}",
        "mode": form.get("mode"),
        "status": "open",
        "payment_status": "unpaid",
        "customer": form.get("customer"),
        "client_reference_id": form.get("client_reference_id"),
        "metadata": {"user_id": form.get("metadata[user_id]")},
        "subscription": None,
    }


@post("/v1/billing_portal/sessions", status_code=200)
async def create_portal(request: Request[Any, Any, Any]) -> Any:
    form = await _form(request)
    if isinstance(form, Response):
        return form
    if form.get("customer") not in fake.customers:
        return _stripe_error(400, "No such customer")
    return {
        "id": f"bps_fake_{next(_ids)}",
        "object": "billing_portal.session",
        "url": "https://billing.stripe.test/p/session",
        "customer": form["customer"],
        "return_url": form.get("return_url"),
    }


@get("/v1/subscriptions/{subscription_id:str}")
async def retrieve_subscription(request: Request[Any, Any, Any], subscription_id: FromPath[str]) -> Any:
    if request.headers.get("authorization") != f"Bearer {SECRET_KEY}":
        return _stripe_error(401, "Invalid API Key provided.")
    found = fake.subscriptions.get(subscription_id)
    return found if found is not None else _stripe_error(404, f"No such subscription: '{subscription_id}'")


@delete("/v1/subscriptions/{subscription_id:str}", status_code=200)
async def cancel_subscription(request: Request[Any, Any, Any], subscription_id: FromPath[str]) -> Any:
    form = await _form(request)
    if isinstance(form, Response):
        return form
    found = fake.subscriptions.get(subscription_id)
    if found is None:
        return _stripe_error(404, f"No such subscription: '{subscription_id}'")
    if found["status"] == "canceled":
        return _stripe_error(400, "This subscription has already been canceled.")
    found.update(status="canceled", canceled_at=int(time.time()))
    return found


app = Litestar([create_customer, create_session, create_portal, retrieve_subscription, cancel_subscription])


def background_stripe(port: int) -> BackgroundServer:
    return BackgroundServer(app, port)
