from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from domain.users import Tier


class SubscriptionStatus(StrEnum):
    NONE = "none"
    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    UNPAID = "unpaid"
    PAUSED = "paused"


# past_due is a grace period: the card failed but the provider is still retrying, and
# cutting a paying customer off on the first failed charge is worse than a few free days.
_PRO_STATUSES = frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING, SubscriptionStatus.PAST_DUE})
# A subscription in one of these states never comes back; a later-arriving event
# describing an earlier state must not resurrect it.
_TERMINAL_STATUSES = frozenset({SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED})


@dataclass(frozen=True, slots=True)
class SubscriptionSnapshot:
    """The payment provider's view of one subscription at one instant."""

    subscription_id: str
    customer_id: str | None
    status: SubscriptionStatus
    current_period_end: datetime | None
    cancel_at_period_end: bool
    as_of: datetime


@dataclass(slots=True)
class Subscription:
    """One subscription at the payment provider, as we last saw it. A user may have
    several (two checkouts opened side by side, a cancelled one and a new one); each is
    kept by its own id, so news about one never overwrites another."""

    subscription_id: str
    user_id: str
    customer_id: str | None = None
    status: SubscriptionStatus = SubscriptionStatus.INCOMPLETE
    current_period_end: datetime | None = None
    cancel_at_period_end: bool = False
    as_of: datetime | None = None

    @classmethod
    def first_seen(cls, user_id: str, snapshot: SubscriptionSnapshot) -> Subscription:
        subscription = cls(subscription_id=snapshot.subscription_id, user_id=user_id)
        subscription.apply(snapshot)
        return subscription

    @property
    def grants_pro(self) -> bool:
        return self.status in _PRO_STATUSES

    @property
    def has_ended(self) -> bool:
        """Nothing will be charged for it again."""
        return self.status in _TERMINAL_STATUSES

    def apply(self, snapshot: SubscriptionSnapshot) -> bool:
        """Take the snapshot if it is newer than what we know; return whether it was taken.

        Order of arrival means nothing: the snapshot with the later provider time wins,
        and a terminal state is final (a later-arriving snapshot of an earlier state
        never brings a cancelled subscription back).
        """
        if snapshot.subscription_id != self.subscription_id:
            raise ValueError("a snapshot of another subscription")
        if self.status in _TERMINAL_STATUSES:
            return False
        is_older = self.as_of is not None and snapshot.as_of < self.as_of
        if is_older and snapshot.status not in _TERMINAL_STATUSES:
            return False
        self.customer_id = snapshot.customer_id or self.customer_id
        self.status = snapshot.status
        self.current_period_end = snapshot.current_period_end
        self.cancel_at_period_end = snapshot.cancel_at_period_end
        self.as_of = snapshot.as_of if self.as_of is None else max(self.as_of, snapshot.as_of)
        return True


def tier_for(subscriptions: Iterable[Subscription]) -> Tier:
    """Pro while any of the user's subscriptions is paid for."""
    return Tier.PRO if any(s.grants_pro for s in subscriptions) else Tier.BASIC


def current_subscription(subscriptions: Iterable[Subscription]) -> Subscription | None:
    """The subscription to show: one that grants Pro (the one paid up the furthest), else
    the one we heard of last."""
    known = list(subscriptions)
    paying = [s for s in known if s.grants_pro]
    if paying:
        return max(paying, key=lambda s: (s.current_period_end or datetime.min.replace(tzinfo=UTC), s.subscription_id))
    if not known:
        return None
    return max(known, key=lambda s: (s.as_of or datetime.min.replace(tzinfo=UTC), s.subscription_id))
