from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from application.ports.repositories import UnitOfWork, UnitOfWorkFactory
from application.ports.services import (
    Clock,
    PaymentEvent,
    PaymentEventKind,
    PaymentGateway,
    Telemetry,
)
from domain.errors import Conflict
from domain.subscriptions import Subscription, SubscriptionSnapshot, tier_for
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
    # The event names one user while its customer or subscription belongs to another.
    REFUSED = "refused"


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True, kw_only=True)
class HandlePaymentEvent:
    """Apply a signed payment-provider event to a user's subscriptions and tier.

    Verified before anything is read or stored; applied at most once per event id (the
    id is recorded in the same transaction as the change); order-proof, because each
    subscription keeps only the newest state the provider's clock has shown. Each
    subscription is its own record, and the user is Pro while any of theirs is paid
    for. An event whose user disagrees with the owner of its customer or subscription
    is refused and logged. Events we cannot use are acknowledged, so the provider does
    not retry them for days.
    """

    uow: UnitOfWorkFactory
    clock: Clock
    payments: PaymentGateway
    telemetry: Telemetry

    async def execute(self, command: HandlePaymentEventCommand) -> PaymentEventOutcome:
        event = self.payments.verify_event(command.payload, command.signature)
        outcome = await self._apply(event)
        self.telemetry.payment_event(event.type, outcome.value)
        return outcome

    async def _apply(self, event: PaymentEvent) -> PaymentEventOutcome:
        snapshot, named_user = await self._subscription_state(event)
        async with self.uow() as uow:
            if not await uow.processed_events.add(event.id, event.type, self.clock.now()):
                return PaymentEventOutcome.DUPLICATE
            if event.kind is PaymentEventKind.IGNORED:
                await uow.commit()
                return PaymentEventOutcome.IGNORED
            try:
                user = await self._owner(uow, event, named_user, snapshot)
                if user is None:
                    await uow.commit()
                    log.warning("payment event %s (%s) names no known user", event.id, event.type)
                    return PaymentEventOutcome.UNKNOWN_USER
                if snapshot is not None:
                    await self._record(uow, user, snapshot)
            except _Refused as refused:
                await uow.commit()  # recorded as processed: a redelivery would be refused again
                log.warning("payment event %s (%s) refused: %s", event.id, event.type, refused.reason)
                return PaymentEventOutcome.REFUSED
            await self._link_customer(uow, user, event.customer_id)
            tier = tier_for(await uow.subscriptions.list_for_user(user.id))
            if user.tier is not tier:
                user.tier = tier
                await uow.users.update(user)
            await uow.commit()
        return PaymentEventOutcome.APPLIED

    async def _subscription_state(self, event: PaymentEvent) -> tuple[SubscriptionSnapshot | None, str | None]:
        """The subscription the event is about. Events that only name it (checkout,
        invoices) are resolved by asking the provider, dated by the event's own time."""
        if event.subscription is not None or event.subscription_id is None:
            return event.subscription, event.user_id
        if event.kind is PaymentEventKind.IGNORED:
            return None, event.user_id
        fetched = await self.payments.fetch_subscription(event.subscription_id, as_of=event.created)
        if event.user_id and fetched.user_id and event.user_id != fetched.user_id:
            return fetched.snapshot, _DISAGREE
        return fetched.snapshot, event.user_id or fetched.user_id

    @staticmethod
    async def _owner(
        uow: UnitOfWork, event: PaymentEvent, named_user: str | None, snapshot: SubscriptionSnapshot | None
    ) -> User | None:
        """The user the event is about, locked until the end of the transaction so one
        user's events apply one after another. Raises _Refused when the event's user,
        its customer's user and its subscription's user are not the same."""
        if named_user == _DISAGREE:
            raise _Refused("the event and its subscription name different users")
        customer_id = event.customer_id or (snapshot.customer_id if snapshot else None)
        customers_user = await uow.customers.user_of(customer_id) if customer_id else None
        if named_user and customers_user and named_user != customers_user:
            raise _Refused(f"the event names another user than the owner of customer {customer_id}")
        user_id = customers_user or named_user
        if snapshot is not None:
            known = await uow.subscriptions.get(snapshot.subscription_id)
            if known is not None and user_id is not None and known.user_id != user_id:
                raise _Refused(f"subscription {snapshot.subscription_id} belongs to another user")
            user_id = user_id or (known.user_id if known else None)
        return await uow.users.get(user_id, for_update=True) if user_id else None

    @staticmethod
    async def _record(uow: UnitOfWork, user: User, snapshot: SubscriptionSnapshot) -> None:
        subscription = await uow.subscriptions.get(snapshot.subscription_id)
        if subscription is None:
            subscription = Subscription.first_seen(user.id, snapshot)
        elif not subscription.apply(snapshot):
            return
        await uow.subscriptions.save(subscription)

    @staticmethod
    async def _link_customer(uow: UnitOfWork, user: User, customer_id: str | None) -> None:
        """A user with no customer yet gets the event's (a checkout made elsewhere)."""
        if customer_id is None or await uow.customers.customer_of(user.id) is not None:
            return
        if await uow.customers.user_of(customer_id) is None:
            try:
                await uow.customers.link(user.id, customer_id)
            except Conflict:
                return


# A user id no user has: the event and the provider's subscription object disagree.
_DISAGREE = "\x00disagree"
