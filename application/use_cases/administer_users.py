"""What an operator does to accounts (the admin CLI): look one up, set its tier, reset
its usage for a day. Each is a use case of its own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, IdGenerator, PasswordHasher
from domain.errors import Conflict, NotFound
from domain.passwords import check_password_strength
from domain.quota import DailyQuota, QuotaStatus, usage_day
from domain.subscriptions import Subscription
from domain.users import MobileNumber, Tier, User, clean_name


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateUser:
    """Register a user by hand. The operator vouches for the number, so the account
    counts as verified and its password opens it at once."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    passwords: PasswordHasher

    async def execute(self, mobile_number: str, *, name: str | None = None, password: str | None = None) -> User:
        number = MobileNumber.parse(mobile_number)
        if password is not None:
            check_password_strength(password)
        now = self.clock.now()
        user = User.register(
            id=self.ids.new_id(),
            mobile_number=number,
            now=now,
            name=clean_name(name),
            password_hash=await self.passwords.hash(password) if password is not None else None,
        )
        async with self.uow() as uow:
            if await uow.users.get_by_mobile(number) is not None:
                raise Conflict("This mobile number is already registered.")
            await uow.users.add(user)
            await uow.commit()
        return user


@dataclass(frozen=True, slots=True, kw_only=True)
class UserOverview:
    user: User
    usage: QuotaStatus
    customer_id: str | None
    subscriptions: Sequence[Subscription]


@dataclass(frozen=True, slots=True, kw_only=True)
class ShowUser:
    uow: UnitOfWorkFactory
    clock: Clock
    quota: DailyQuota

    async def execute(self, mobile_number: str) -> UserOverview:
        now = self.clock.now()
        async with self.uow() as uow:
            user = await uow.users.get_by_mobile(MobileNumber.parse(mobile_number))
            if user is None:
                raise NotFound("No user has that mobile number.")
            used = await uow.quota.count(user.id, usage_day(now))
            customer_id = await uow.customers.customer_of(user.id)
            subscriptions = await uow.subscriptions.list_for_user(user.id)
        return UserOverview(
            user=user,
            usage=self.quota.status(tier=user.tier, used=used, now=now),
            customer_id=customer_id,
            subscriptions=subscriptions,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SetTier:
    """Set a user's tier by hand (support, comps). A later payment event sets it again."""

    uow: UnitOfWorkFactory

    async def execute(self, mobile_number: str, tier: Tier) -> User:
        async with self.uow() as uow:
            user = await uow.users.get_by_mobile(MobileNumber.parse(mobile_number))
            if user is None:
                raise NotFound("No user has that mobile number.")
            user.tier = tier
            await uow.users.update(user)
            await uow.commit()
        return user


@dataclass(frozen=True, slots=True, kw_only=True)
class ResetDailyUsage:
    uow: UnitOfWorkFactory
    clock: Clock

    async def execute(self, mobile_number: str, day: date | None = None) -> date:
        day = day or usage_day(self.clock.now())
        async with self.uow() as uow:
            user = await uow.users.get_by_mobile(MobileNumber.parse(mobile_number))
            if user is None:
                raise NotFound("No user has that mobile number.")
            await uow.quota.reset(user.id, day)
            await uow.commit()
        return day
