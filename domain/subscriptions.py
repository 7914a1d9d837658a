from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
    user_id: str
    customer_id: str | None = None
    subscription_id: str | None = None
    status: SubscriptionStatus = SubscriptionStatus.NONE
    current_period_end: datetime | None = None
    cancel_at_period_end: bool = False
    as_of: datetime | None = None

    @property
    def grants_pro(self) -> bool:
        return self.status in _PRO_STATUSES

    @property
    def tier(self) -> Tier:
        return Tier.PRO if self.grants_pro else Tier.BASIC

    def apply(self, snapshot: SubscriptionSnapshot) -> bool:
        """Take the snapshot if it is newer than what we know; return whether it was taken.

        Order of arrival means nothing: a snapshot of a different subscription replaces
        ours only if it is newer, a terminal state of the same subscription is final, and
        otherwise the snapshot with the later timestamp wins.
        """
        same_subscription = snapshot.subscription_id == self.subscription_id
        if same_subscription and self.status in _TERMINAL_STATUSES:
            return False
        is_older = self.as_of is not None and snapshot.as_of < self.as_of
        if is_older and not (same_subscription and snapshot.status in _TERMINAL_STATUSES):
            return False
        self.subscription_id = snapshot.subscription_id
        self.customer_id = snapshot.customer_id or self.customer_id
        self.status = snapshot.status
        self.current_period_end = snapshot.current_period_end
        self.cancel_at_period_end = snapshot.cancel_at_period_end
        self.as_of = snapshot.as_of if self.as_of is None else max(self.as_of, snapshot.as_of)
        return True
