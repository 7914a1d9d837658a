"""The Stripe adapter: the real stripe-python client against a fake Stripe over HTTP, and
webhook deliveries signed exactly as Stripe signs them."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from dependency_injector import providers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.stripe.gateway import StripePaymentGateway, create_client, create_http_client
from application.use_cases.handle_payment_event import HandlePaymentEventCommand, PaymentEventOutcome
from devstack.services import free_port
from domain.errors import DependencyUnavailable, InvalidSignature
from domain.subscriptions import SubscriptionStatus
from domain.users import MobileNumber, Tier
from entrypoints.container import Container
from tests.fakes.background import BackgroundServer
from tests.fakes.stripe_server import PRICE_ID, SECRET_KEY, background_stripe, event, fake, sign
from tests.support import MutableClock, make_container
from tests.unit.helpers import sign_in

WEBHOOK_SECRET = "whsec_test_fake_secret"


@pytest.fixture(scope="module")
def stripe_server() -> Iterator[BackgroundServer]:
    server = background_stripe(free_port()).start()
    yield server
    server.stop()


def _gateway(server: BackgroundServer, clock: MutableClock, key: str = SECRET_KEY) -> StripePaymentGateway:
    client = create_client(key, api_base=server.url, http_client=create_http_client())
    return StripePaymentGateway(
        client, price_id=PRICE_ID, webhook_secret=WEBHOOK_SECRET, public_url="https://chat.example", clock=clock
    )


@pytest.fixture
def gateway(stripe_server: BackgroundServer, clock: MutableClock) -> StripePaymentGateway:
    return _gateway(stripe_server, clock)


def _delivery(evt: dict[str, object], **sign_options: object) -> tuple[bytes, str]:
    payload = json.dumps(evt).encode()
    return payload, sign(payload, WEBHOOK_SECRET, **sign_options)  # type: ignore[arg-type]


# The adapter against the fake Stripe


async def test_checkout_reuses_one_customer_and_names_the_user_everywhere(gateway: StripePaymentGateway) -> None:
    first = await gateway.create_customer(user_id="u-1", mobile_number=MobileNumber("+919876543210"))
    again = await gateway.create_customer(user_id="u-1", mobile_number=MobileNumber("+919876543210"))
    assert first == again and first.startswith("cus_")
    session = await gateway.create_checkout(customer_id=first, user_id="u-1")
    assert session.session_id.startswith("cs_") and session.url.startswith("https://")
    form = fake.sessions[session.session_id]
    assert form["mode"] == "subscription" and form["customer"] == first
    assert (form["line_items[0][price]"], form["line_items[0][quantity]"]) == (PRICE_ID, "1")
    assert (
        form["client_reference_id"]
        == form["metadata[user_id]"]
        == form["subscription_data[metadata][user_id]"]
        == "u-1"
    )
    assert (await gateway.create_portal(customer_id=first)).startswith("https://")


async def test_a_subscription_is_read_with_its_period_from_the_items(gateway: StripePaymentGateway) -> None:
    owner = "01a20000-0000-7000-8000-0000000000aa"
    created = fake.subscription(customer="cus_x", user_id=owner, status="past_due", period_end=1_800_000_000)
    asked_at = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    fetched = await gateway.fetch_subscription(created["id"], as_of=asked_at)
    assert fetched.user_id == owner and fetched.snapshot.as_of == asked_at  # the event's time, not ours
    assert fetched.snapshot.status is SubscriptionStatus.PAST_DUE
    assert int(fetched.snapshot.current_period_end.timestamp()) == 1_800_000_000  # type: ignore[union-attr]


async def test_cancelling_ends_a_subscription_now_and_a_missing_one_counts_as_cancelled(
    gateway: StripePaymentGateway,
) -> None:
    created = fake.subscription(customer="cus_x", user_id="01a20000-0000-7000-8000-0000000000aa")
    await gateway.cancel_subscription(created["id"])
    assert fake.subscriptions[created["id"]]["status"] == "canceled"
    assert fake.requests[-1][:2] == ("DELETE", f"/v1/subscriptions/{created['id']}")
    await gateway.cancel_subscription("sub_never_existed")  # gone at Stripe: nothing to cancel
    with pytest.raises(DependencyUnavailable):  # anything else is a failure, and says so
        await gateway.cancel_subscription(created["id"])


async def test_stripe_failures_become_unavailable_without_details(
    stripe_server: BackgroundServer, clock: MutableClock
) -> None:
    wrong_key = _gateway(stripe_server, clock, key="sk_test_wrong")
    with pytest.raises(DependencyUnavailable) as caught:
        await wrong_key.create_customer(user_id="u", mobile_number=MobileNumber("+919876543210"))
    assert "sk_test" not in caught.value.message
    with pytest.raises(DependencyUnavailable):
        await _gateway(stripe_server, clock).create_checkout(customer_id="cus_missing", user_id="u")


# Signatures


def test_a_correctly_signed_event_is_accepted(gateway: StripePaymentGateway) -> None:
    payload, header = _delivery(event("invoice.paid", {"object": "invoice", "subscription": "sub_1"}))
    assert gateway.verify_event(payload, header).type == "invoice.paid"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "t=123",
        "garbage",
        sign(b"{}", "whsec_someone_else"),
    ],
)
def test_missing_malformed_or_foreign_signatures_are_refused(gateway: StripePaymentGateway, header: str | None) -> None:
    payload = json.dumps(event("invoice.paid", {})).encode()
    with pytest.raises(InvalidSignature):
        gateway.verify_event(payload, header)


def test_a_wrong_secret_or_a_stale_timestamp_is_refused(gateway: StripePaymentGateway) -> None:
    payload = json.dumps(event("invoice.paid", {})).encode()
    with pytest.raises(InvalidSignature):
        gateway.verify_event(payload, sign(payload, "whsec_wrong"))
    with pytest.raises(InvalidSignature):
        gateway.verify_event(payload, sign(payload, WEBHOOK_SECRET, timestamp=int(time.time()) - 301))


def test_during_a_secret_rotation_any_matching_v1_is_enough(gateway: StripePaymentGateway) -> None:
    payload = json.dumps(event("invoice.paid", {})).encode()
    header = sign(payload, "whsec_old_secret", extra_secrets=(WEBHOOK_SECRET,))
    assert header.count("v1=") == 2
    assert gateway.verify_event(payload, header).type == "invoice.paid"


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0), flip=st.integers(1, 255))
def test_any_tampered_byte_is_refused(gateway: StripePaymentGateway, position: int, flip: int) -> None:
    payload, header = _delivery(event("customer.subscription.updated", {"object": "subscription", "id": "sub_1"}))
    index = position % len(payload)
    tampered = payload[:index] + bytes([payload[index] ^ flip]) + payload[index + 1 :]
    with pytest.raises(InvalidSignature):
        gateway.verify_event(tampered, header)


# The lifecycle through HandlePaymentEvent, with the Stripe adapter


@pytest.fixture
async def stripe_container(stripe_server: BackgroundServer, clock: MutableClock) -> AsyncIterator[Container]:
    container = make_container(clock)
    container.services.payments.override(providers.Object(_gateway(stripe_server, clock)))
    yield container


async def _deliver(container: Container, evt: dict[str, object]) -> PaymentEventOutcome:
    payload, header = _delivery(evt)
    return await container.handle_payment_event().execute(HandlePaymentEventCommand(payload=payload, signature=header))


async def test_checkout_then_five_concurrent_redeliveries_have_one_effect(stripe_container: Container) -> None:
    principal, _ = await sign_in(stripe_container)
    session = await stripe_container.upgrade_to_pro().execute(principal)
    events = fake.complete_checkout(session.session_id)
    outcomes = await asyncio.gather(*(_deliver(stripe_container, e) for e in events for _ in range(5)))
    assert outcomes.count(PaymentEventOutcome.APPLIED) == 3 and outcomes.count(PaymentEventOutcome.DUPLICATE) == 12
    status = await stripe_container.get_subscription_status().execute(principal)
    assert (status.tier, status.status) == (Tier.PRO, SubscriptionStatus.ACTIVE)


async def test_unknown_users_and_unhandled_types_are_acknowledged(stripe_container: Container) -> None:
    stranger = fake.subscription(customer="cus_nobody", user_id="00000000-0000-0000-0000-000000000000")
    assert (
        await _deliver(stripe_container, event("customer.subscription.updated", stranger))
        is PaymentEventOutcome.UNKNOWN_USER
    )
    assert (
        await _deliver(stripe_container, event("charge.refunded", {"object": "charge"})) is PaymentEventOutcome.IGNORED
    )
    # Metadata anyone with access to the Stripe account can edit names nobody, never a 500.
    edited = fake.subscription(customer="cus_edited", user_id="edited in the dashboard")
    assert (
        await _deliver(stripe_container, event("customer.subscription.updated", edited))
        is PaymentEventOutcome.UNKNOWN_USER
    )


LIFECYCLE = [
    ("customer.subscription.created", {"status": "incomplete"}),
    ("customer.subscription.updated", {"status": "active"}),
    ("customer.subscription.updated", {"status": "past_due"}),
    ("customer.subscription.updated", {"status": "active"}),
    ("customer.subscription.updated", {"status": "active", "cancel_at_period_end": True}),
    ("customer.subscription.deleted", {"status": "canceled", "cancel_at_period_end": False}),
]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(len(LIFECYCLE))), delivered=st.integers(1, len(LIFECYCLE)))
def test_any_arrival_order_ends_in_the_state_of_the_latest_subscription_object(
    stripe_server: BackgroundServer, order: list[int], delivered: int
) -> None:
    async def run() -> None:
        clock = MutableClock()
        container = make_container(clock)
        container.services.payments.override(providers.Object(_gateway(stripe_server, clock)))
        principal, _ = await sign_in(container)
        subscription = fake.subscription(customer="cus_order", user_id=principal.user_id)
        base = int(time.time()) - 1000
        events = [
            fake.update_subscription(subscription["id"], created=base + i, **changes)
            for i, (_, changes) in enumerate(LIFECYCLE)
        ]
        chosen = [order[i] for i in range(delivered)]
        for index in chosen:
            await _deliver(container, events[index])
        latest = LIFECYCLE[max(chosen)][1]
        status = await container.get_subscription_status().execute(principal)
        assert status.status.value == latest["status"]
        assert status.cancel_at_period_end == latest.get("cancel_at_period_end", False)
        assert status.tier is (Tier.PRO if latest["status"] in ("active", "past_due") else Tier.BASIC)

    asyncio.run(run())


async def test_limits_follow_the_tier(stripe_container: Container) -> None:
    from application.use_cases.create_chatroom import CreateChatroomCommand
    from application.use_cases.send_message import SendMessageCommand
    from domain.errors import DailyLimitReached
    from tests.support import ManualJobQueue

    stripe_container.adapters.job_queue.override(providers.Object(ManualJobQueue()))
    principal, _ = await sign_in(stripe_container)
    room = await stripe_container.create_chatroom().execute(CreateChatroomCommand(principal=principal))
    send = SendMessageCommand(principal=principal, chatroom_id=room.id, content="x")
    for _ in range(5):
        await stripe_container.send_message().execute(send)
    with pytest.raises(DailyLimitReached):
        await stripe_container.send_message().execute(send)
    session = await stripe_container.upgrade_to_pro().execute(principal)
    events = fake.complete_checkout(session.session_id)
    for evt in events:
        await _deliver(stripe_container, evt)
    await stripe_container.send_message().execute(send)  # Pro at once, still on the same day
    subscription_id = events[1]["data"]["object"]["id"]  # type: ignore[index]
    await _deliver(
        stripe_container, fake.update_subscription(subscription_id, status="canceled", created=int(time.time()) + 5)
    )
    with pytest.raises(DailyLimitReached):
        await stripe_container.send_message().execute(send)


async def test_events_are_ordered_by_stripe_s_clock_even_when_ours_runs_ahead(stripe_container: Container) -> None:
    """An invoice event makes us fetch the subscription; that state is dated by the event,
    not by our clock. Ours is an hour ahead here: dated by it, the fetched state would
    hide a change Stripe made after the invoice, delivered a moment later."""
    clock = stripe_container.services.clock()
    principal, _ = await sign_in(stripe_container)
    session = await stripe_container.upgrade_to_pro().execute(principal)
    _, created, paid = fake.complete_checkout(session.session_id)
    await _deliver(stripe_container, created)
    clock.current = datetime.now(UTC) + timedelta(hours=1)
    await _deliver(stripe_container, paid)  # fetched: active
    subscription_id = created["data"]["object"]["id"]  # type: ignore[index]
    later = fake.update_subscription(subscription_id, status="past_due", created=int(paid["created"]) + 60)  # type: ignore[call-overload]
    assert await _deliver(stripe_container, later) is PaymentEventOutcome.APPLIED
    status = await stripe_container.get_subscription_status().execute(principal)
    assert status.status is SubscriptionStatus.PAST_DUE
