from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from application.ports.repositories import UnitOfWork, UnitOfWorkFactory
from application.ports.services import (
    Clock,
    IdentityCache,
    PaymentEvent,
    PaymentEventKind,
    PaymentGateway,
    Telemetry,
)
from domain.subscriptions import Subscription, SubscriptionSnapshot
from domain.users import User

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class HandlePaymentEventCommand:
    payload: bytes
    signature: str | None


class PaymentEventOutcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    UNKNOWN_USER = "unknown_user"


class HandlePaymentEvent:
    """Apply a signed payment-provider event to a user's subscription and tier.

    Verified before anything is read or stored; applied at most once per event id (the
    id is recorded in the same transaction as the change); order-proof, because the
    subscription keeps only the newest state it has seen. Events we cannot use are
    acknowledged, so the provider does not retry them for days.
    """

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        payments: PaymentGateway,
        telemetry: Telemetry,
        identities: IdentityCache,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._payments = payments
        self._telemetry = telemetry
        self._identities = identities

    async def execute(self, command: HandlePaymentEventCommand) -> PaymentEventOutcome:
        event = self._payments.verify_event(command.payload, command.signature)
        outcome = await self._apply(event)
        self._telemetry.payment_event(event.type, outcome.value)
        return outcome

    async def _apply(self, event: PaymentEvent) -> PaymentEventOutcome:
        snapshot, user_id = await self._subscription_state(event)
        async with self._uow() as uow:
            if not await uow.processed_events.add(event.id, event.type, self._clock.now()):
                return PaymentEventOutcome.DUPLICATE
            if event.kind is PaymentEventKind.IGNORED:
                await uow.commit()
                return PaymentEventOutcome.IGNORED
            user, subscription = await self._owner_and_subscription(uow, user_id, event.customer_id)
            if user is None or subscription is None:
                await uow.commit()
                log.warning("payment event %s (%s) names no known user", event.id, event.type)
                return PaymentEventOutcome.UNKNOWN_USER
            if event.customer_id and subscription.customer_id is None:
                subscription.customer_id = event.customer_id
            if snapshot is not None:
                subscription.apply(snapshot)
            await uow.subscriptions.save(subscription)
            tier_changed = user.tier is not subscription.tier
            if tier_changed:
                user.tier = subscription.tier
                await uow.users.update(user)
            await uow.commit()
        if tier_changed:
            await self._identities.invalidate(user.id)
        return PaymentEventOutcome.APPLIED

    async def _subscription_state(self, event: PaymentEvent) -> tuple[SubscriptionSnapshot | None, str | None]:
        """The subscription the event is about. Events that only name it (checkout,
        invoices) are resolved by asking the provider for the current object."""
        if event.subscription is not None or event.subscription_id is None:
            return event.subscription, event.user_id
        if event.kind is PaymentEventKind.IGNORED:
            return None, event.user_id
        fetched = await self._payments.fetch_subscription(event.subscription_id)
        return fetched.snapshot, event.user_id or fetched.user_id

    @staticmethod
    async def _owner_and_subscription(
        uow: UnitOfWork, user_id: str | None, customer_id: str | None
    ) -> tuple[User | None, Subscription | None]:
        """The user the event is about and their (locked) subscription record: by the user
        id the event names, else by the provider's customer id."""
        user = await uow.users.get(user_id) if user_id is not None else None
        if user is not None:
            return user, await uow.subscriptions.get_or_create(user.id)
        if customer_id is None:
            return None, None
        subscription = await uow.subscriptions.get_by_customer(customer_id)
        if subscription is None:
            return None, None
        return await uow.users.get(subscription.user_id), subscription
