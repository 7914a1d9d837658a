"""PostgreSQL repositories and the unit of work (SQLAlchemy 2 Core on AsyncSession)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Executable, Result, and_, delete, func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from adapters.postgres import tables as t
from application.ports.repositories import Position
from domain.chat import Chatroom, Message, MessageRole, MessageStatus, TokenUsage
from domain.errors import Conflict, DependencyUnavailable
from domain.otp import OtpChallenge, OtpPurpose, SignUpDetails
from domain.sessions import AuthSession
from domain.subscriptions import Subscription, SubscriptionStatus
from domain.users import MobileNumber, Tier, User


def create_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20) -> AsyncEngine:
    """One engine per event loop.

    No ``pool_pre_ping``: on asyncpg it costs three round trips (BEGIN, a ping, ROLLBACK)
    per checkout, measured as a fifth of a reply's database time. A database restart
    still heals: the first statement on a dead connection fails as a disconnect, which
    makes SQLAlchemy discard the whole pool; that request answers 503 and the next ones
    get fresh connections."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_recycle=1800,
        connect_args={"timeout": 5, "command_timeout": 30},
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def _uuid(value: str | None) -> uuid.UUID | None:
    """Ids arrive as strings from URLs; anything that is not a UUID names nothing."""
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _str(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


class PostgresUnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self.users = PostgresUserRepository(self)
        self.otps = PostgresOtpChallengeRepository(self)
        self.sessions = PostgresSessionRepository(self)
        self.chatrooms = PostgresChatroomRepository(self)
        self.messages = PostgresMessageRepository(self)
        self.idempotency = PostgresIdempotencyRepository(self)
        self.customers = PostgresCustomerRepository(self)
        self.subscriptions = PostgresSubscriptionRepository(self)
        self.processed_events = PostgresProcessedEventRepository(self)
        self.quota = PostgresQuotaCounter(self)

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            await session.rollback()
            await session.close()
        except (TimeoutError, DBAPIError, OSError):
            # The connection is already gone; nothing was committed, so nothing to undo.
            await session.invalidate()

    async def commit(self) -> None:
        assert self._session is not None, "commit() outside 'async with'"
        try:
            await self._session.commit()
        except IntegrityError:
            raise Conflict("That conflicts with a change made at the same time.") from None
        except (TimeoutError, DBAPIError, OSError):
            raise DependencyUnavailable("The database is unavailable.") from None

    async def execute(self, statement: Executable) -> Result[Any]:
        """Run a statement, translating driver errors into domain errors at the port."""
        assert self._session is not None, "repository used outside 'async with'"
        try:
            return await self._session.execute(statement)
        except IntegrityError:
            raise Conflict("That conflicts with existing data.") from None
        except (TimeoutError, DBAPIError, OSError):
            raise DependencyUnavailable("The database is unavailable.") from None


class PostgresUnitOfWorkFactory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def __call__(self) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self._sessions)


class _Repository:
    def __init__(self, uow: PostgresUnitOfWork) -> None:
        self._uow = uow

    async def _execute(self, statement: Executable) -> Result[Any]:
        return await self._uow.execute(statement)


def _user(row: Any) -> User:
    return User(
        id=str(row.id),
        mobile_number=MobileNumber(row.mobile_number),
        name=row.name,
        tier=Tier(row.tier),
        password_hash=row.password_hash,
        created_at=row.created_at,
        verified_at=row.verified_at,
    )


class PostgresUserRepository(_Repository):
    async def add(self, user: User) -> None:
        inserted = await self._execute(
            insert(t.users)
            .values(
                id=uuid.UUID(user.id),
                mobile_number=user.mobile_number.value,
                name=user.name,
                tier=user.tier.value,
                password_hash=user.password_hash,
                created_at=user.created_at,
                verified_at=user.verified_at,
            )
            .on_conflict_do_nothing()
            .returning(t.users.c.id)
        )
        if inserted.first() is None:
            raise Conflict("This mobile number is already registered.")

    async def get(self, user_id: str, *, for_update: bool = False) -> User | None:
        key = _uuid(user_id)
        if key is None:
            return None
        query = select(t.users).where(t.users.c.id == key)
        row = (await self._execute(query.with_for_update() if for_update else query)).first()
        return None if row is None else _user(row)

    async def get_by_mobile(self, mobile_number: MobileNumber) -> User | None:
        row = (await self._execute(select(t.users).where(t.users.c.mobile_number == mobile_number.value))).first()
        return None if row is None else _user(row)

    async def update(self, user: User) -> None:
        await self._execute(
            update(t.users)
            .where(t.users.c.id == uuid.UUID(user.id))
            .values(
                name=user.name, tier=user.tier.value, password_hash=user.password_hash, verified_at=user.verified_at
            )
        )


def _challenge(row: Any) -> OtpChallenge:
    signup = None
    if row.signup_flow_hash is not None:
        signup = SignUpDetails(
            flow_hash=row.signup_flow_hash, password_hash=row.signup_password_hash, name=row.signup_name
        )
    return OtpChallenge(
        id=str(row.id),
        mobile_number=MobileNumber(row.mobile_number),
        purpose=OtpPurpose(row.purpose),
        code_hash=row.code_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        attempts=row.attempts,
        consumed_at=row.consumed_at,
        signup=signup,
    )


class PostgresOtpChallengeRepository(_Repository):
    async def replace(self, challenge: OtpChallenge) -> None:
        values = {
            "id": uuid.UUID(challenge.id),
            "code_hash": challenge.code_hash,
            "created_at": challenge.created_at,
            "expires_at": challenge.expires_at,
            "attempts": challenge.attempts,
            "consumed_at": challenge.consumed_at,
            "signup_flow_hash": challenge.signup.flow_hash if challenge.signup else None,
            "signup_password_hash": challenge.signup.password_hash if challenge.signup else None,
            "signup_name": challenge.signup.name if challenge.signup else None,
        }
        await self._execute(
            insert(t.otp_challenges)
            .values(mobile_number=challenge.mobile_number.value, purpose=challenge.purpose.value, **values)
            .on_conflict_do_update(index_elements=["mobile_number", "purpose"], set_=values)
        )

    async def get(self, mobile_number: MobileNumber, purpose: OtpPurpose) -> OtpChallenge | None:
        # Locked, so two verifications of one code cannot both spend it.
        row = (
            await self._execute(
                select(t.otp_challenges)
                .where(t.otp_challenges.c.mobile_number == mobile_number.value)
                .where(t.otp_challenges.c.purpose == purpose.value)
                .with_for_update()
            )
        ).first()
        return None if row is None else _challenge(row)

    async def update(self, challenge: OtpChallenge) -> None:
        await self._execute(
            update(t.otp_challenges)
            .where(t.otp_challenges.c.mobile_number == challenge.mobile_number.value)
            .where(t.otp_challenges.c.purpose == challenge.purpose.value)
            .where(t.otp_challenges.c.id == uuid.UUID(challenge.id))
            .values(attempts=challenge.attempts, consumed_at=challenge.consumed_at)
        )


def _session(row: Any) -> AuthSession:
    return AuthSession(
        id=str(row.id),
        user_id=str(row.user_id),
        refresh_jti=row.refresh_jti,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


class PostgresSessionRepository(_Repository):
    async def add(self, session: AuthSession) -> None:
        await self._execute(
            insert(t.sessions).values(
                id=uuid.UUID(session.id),
                user_id=uuid.UUID(session.user_id),
                refresh_jti=session.refresh_jti,
                created_at=session.created_at,
                expires_at=session.expires_at,
                revoked_at=session.revoked_at,
            )
        )

    async def get(self, session_id: str, *, for_update: bool = False) -> AuthSession | None:
        key = _uuid(session_id)
        if key is None:
            return None
        query = select(t.sessions).where(t.sessions.c.id == key)
        row = (await self._execute(query.with_for_update() if for_update else query)).first()
        return None if row is None else _session(row)

    async def update(self, session: AuthSession) -> None:
        await self._execute(
            update(t.sessions)
            .where(t.sessions.c.id == uuid.UUID(session.id))
            .values(refresh_jti=session.refresh_jti, expires_at=session.expires_at, revoked_at=session.revoked_at)
        )

    async def revoke_all_for_user(self, user_id: str, now: datetime) -> None:
        await self._execute(
            update(t.sessions)
            .where(t.sessions.c.user_id == uuid.UUID(user_id))
            .where(t.sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )


def _chatroom(row: Any) -> Chatroom:
    return Chatroom(
        id=str(row.id),
        owner_id=str(row.owner_id),
        title=row.title,
        created_at=row.created_at,
        updated_at=row.updated_at,
        untitled=row.untitled,
    )


class PostgresChatroomRepository(_Repository):
    async def add(self, chatroom: Chatroom) -> None:
        await self._execute(
            insert(t.chatrooms).values(
                id=uuid.UUID(chatroom.id),
                owner_id=uuid.UUID(chatroom.owner_id),
                title=chatroom.title,
                untitled=chatroom.untitled,
                created_at=chatroom.created_at,
                updated_at=chatroom.updated_at,
            )
        )

    async def get(self, chatroom_id: str) -> Chatroom | None:
        key = _uuid(chatroom_id)
        if key is None:
            return None
        row = (await self._execute(select(t.chatrooms).where(t.chatrooms.c.id == key).with_for_update())).first()
        return None if row is None else _chatroom(row)

    async def get_owned(self, chatroom_id: str, owner_id: str) -> Chatroom | None:
        key, owner = _uuid(chatroom_id), _uuid(owner_id)
        if key is None or owner is None:
            return None
        row = (
            await self._execute(
                select(t.chatrooms).where(t.chatrooms.c.id == key).where(t.chatrooms.c.owner_id == owner)
            )
        ).first()
        return None if row is None else _chatroom(row)

    async def list_by_activity(self, owner_id: str, *, limit: int, before: Position | None) -> Sequence[Chatroom]:
        c = t.chatrooms.c
        query = select(t.chatrooms).where(c.owner_id == uuid.UUID(owner_id))
        if before is not None:
            after_id = _uuid(before.id)
            if after_id is None:
                return []
            query = query.where(tuple_(c.updated_at, c.id) < tuple_(before.at, after_id))
        rows = await self._execute(query.order_by(c.updated_at.desc(), c.id.desc()).limit(limit))
        return [_chatroom(row) for row in rows]

    async def update(self, chatroom: Chatroom) -> None:
        await self._execute(
            update(t.chatrooms)
            .where(t.chatrooms.c.id == uuid.UUID(chatroom.id))
            .values(title=chatroom.title, untitled=chatroom.untitled, updated_at=chatroom.updated_at)
        )

    async def touch(self, chatroom_id: str, at: datetime) -> None:
        c = t.chatrooms.c
        await self._execute(
            update(t.chatrooms).where(c.id == uuid.UUID(chatroom_id)).values(updated_at=func.greatest(c.updated_at, at))
        )

    async def delete(self, chatroom_id: str) -> None:
        # Messages go with it (ON DELETE CASCADE).
        await self._execute(delete(t.chatrooms).where(t.chatrooms.c.id == uuid.UUID(chatroom_id)))


def _message(row: Any) -> Message:
    usage = None
    if row.prompt_tokens is not None and row.response_tokens is not None:
        usage = TokenUsage(prompt_tokens=row.prompt_tokens, response_tokens=row.response_tokens)
    return Message(
        id=str(row.id),
        chatroom_id=str(row.chatroom_id),
        role=MessageRole(row.role),
        content=row.content,
        status=MessageStatus(row.status),
        created_at=row.created_at,
        completed_at=row.completed_at,
        error=row.error,
        usage=usage,
        reply_to=_str(row.reply_to),
        attempt=row.attempt,
        lease_until=row.lease_until,
        refunded=row.refunded,
    )


def _message_values(message: Message) -> dict[str, Any]:
    return {
        "content": message.content,
        "status": message.status.value,
        "completed_at": message.completed_at,
        "error": message.error,
        "prompt_tokens": message.usage.prompt_tokens if message.usage else None,
        "response_tokens": message.usage.response_tokens if message.usage else None,
        "attempt": message.attempt,
        "lease_until": message.lease_until,
        "refunded": message.refunded,
    }


class PostgresMessageRepository(_Repository):
    async def add(self, message: Message) -> None:
        await self._execute(
            insert(t.messages).values(
                id=uuid.UUID(message.id),
                chatroom_id=uuid.UUID(message.chatroom_id),
                role=message.role.value,
                created_at=message.created_at,
                reply_to=_uuid(message.reply_to),
                **_message_values(message),
            )
        )

    async def get(self, message_id: str) -> Message | None:
        key = _uuid(message_id)
        if key is None:
            return None
        row = (await self._execute(select(t.messages).where(t.messages.c.id == key).with_for_update())).first()
        return None if row is None else _message(row)

    async def get_in_chatroom(self, chatroom_id: str, message_id: str) -> Message | None:
        key, room = _uuid(message_id), _uuid(chatroom_id)
        if key is None or room is None:
            return None
        row = (
            await self._execute(
                select(t.messages).where(t.messages.c.id == key).where(t.messages.c.chatroom_id == room)
            )
        ).first()
        return None if row is None else _message(row)

    async def list_latest(self, chatroom_id: str, *, limit: int, before: Position | None) -> Sequence[Message]:
        c = t.messages.c
        room = _uuid(chatroom_id)
        if room is None:
            return []
        query = select(t.messages).where(c.chatroom_id == room)
        if before is not None:
            before_id = _uuid(before.id)
            if before_id is None:
                return []
            query = query.where(tuple_(c.created_at, c.id) < tuple_(before.at, before_id))
        rows = await self._execute(query.order_by(c.created_at.desc(), c.id.desc()).limit(limit))
        return [_message(row) for row in rows]

    async def update(self, message: Message) -> None:
        await self._execute(
            update(t.messages).where(t.messages.c.id == uuid.UUID(message.id)).values(**_message_values(message))
        )

    async def list_failed_since(self, since: datetime, *, limit: int) -> Sequence[str]:
        c = t.messages.c
        rows = await self._execute(
            select(c.id)
            .where(c.status == "failed")
            .where(c.created_at >= since)
            .order_by(c.created_at, c.id)
            .limit(limit)
        )
        return [str(row.id) for row in rows]

    async def count_unfinished_replies(self, owner_id: str) -> int:
        # Read through the small partial index of unfinished messages, whoever owns them.
        m, rooms = t.messages.c, t.chatrooms
        statement = (
            select(func.count())
            .select_from(t.messages.join(rooms, rooms.c.id == m.chatroom_id))
            .where(m.status.in_(("pending", "streaming")))
            .where(rooms.c.owner_id == uuid.UUID(owner_id))
        )
        return int((await self._execute(statement)).scalar_one())

    async def list_stalled(self, *, pending_before: datetime, now: datetime, limit: int) -> Sequence[str]:
        c = t.messages.c
        rows = await self._execute(
            select(c.id)
            .where(c.status.in_(("pending", "streaming")))
            .where(
                or_(
                    and_(c.status == "pending", c.created_at < pending_before),
                    and_(c.status == "streaming", or_(c.lease_until.is_(None), c.lease_until <= now)),
                )
            )
            .order_by(c.created_at, c.id)
            .limit(limit)
        )
        return [str(row.id) for row in rows]


class PostgresIdempotencyRepository(_Repository):
    async def get(self, owner_id: str, key: str) -> str | None:
        row = (
            await self._execute(
                select(t.idempotency_keys.c.reply_id)
                .where(t.idempotency_keys.c.owner_id == uuid.UUID(owner_id))
                .where(t.idempotency_keys.c.key == key)
            )
        ).first()
        return None if row is None else str(row.reply_id)

    async def add(self, owner_id: str, key: str, reply_id: str) -> None:
        inserted = await self._execute(
            insert(t.idempotency_keys)
            .values(owner_id=uuid.UUID(owner_id), key=key, reply_id=uuid.UUID(reply_id))
            .on_conflict_do_nothing()
            .returning(t.idempotency_keys.c.key)
        )
        if inserted.first() is None:
            raise Conflict("This Idempotency-Key was already used.")


class PostgresCustomerRepository(_Repository):
    async def customer_of(self, user_id: str) -> str | None:
        c = t.billing_customers.c
        row = (await self._execute(select(c.customer_id).where(c.user_id == uuid.UUID(user_id)))).first()
        return None if row is None else str(row.customer_id)

    async def user_of(self, customer_id: str) -> str | None:
        c = t.billing_customers.c
        row = (await self._execute(select(c.user_id).where(c.customer_id == customer_id))).first()
        return None if row is None else str(row.user_id)

    async def link(self, user_id: str, customer_id: str) -> None:
        inserted = await self._execute(
            insert(t.billing_customers)
            .values(user_id=uuid.UUID(user_id), customer_id=customer_id)
            .on_conflict_do_nothing()
            .returning(t.billing_customers.c.user_id)
        )
        if inserted.first() is None:
            raise Conflict("This user or customer is already linked.")


def _subscription(row: Any) -> Subscription:
    return Subscription(
        subscription_id=row.subscription_id,
        user_id=str(row.user_id),
        customer_id=row.customer_id,
        status=SubscriptionStatus(row.status),
        current_period_end=row.current_period_end,
        cancel_at_period_end=row.cancel_at_period_end,
        as_of=row.as_of,
    )


class PostgresSubscriptionRepository(_Repository):
    async def get(self, subscription_id: str) -> Subscription | None:
        c = t.subscriptions.c
        row = (await self._execute(select(t.subscriptions).where(c.subscription_id == subscription_id))).first()
        return None if row is None else _subscription(row)

    async def list_for_user(self, user_id: str) -> Sequence[Subscription]:
        c = t.subscriptions.c
        rows = await self._execute(
            select(t.subscriptions).where(c.user_id == uuid.UUID(user_id)).order_by(c.subscription_id)
        )
        return [_subscription(row) for row in rows]

    async def save(self, subscription: Subscription) -> None:
        values = {
            "user_id": uuid.UUID(subscription.user_id),
            "customer_id": subscription.customer_id,
            "status": subscription.status.value,
            "current_period_end": subscription.current_period_end,
            "cancel_at_period_end": subscription.cancel_at_period_end,
            "as_of": subscription.as_of,
        }
        await self._execute(
            insert(t.subscriptions)
            .values(subscription_id=subscription.subscription_id, **values)
            .on_conflict_do_update(index_elements=["subscription_id"], set_=values)
        )


class PostgresProcessedEventRepository(_Repository):
    async def add(self, event_id: str, event_type: str, processed_at: datetime) -> bool:
        inserted = await self._execute(
            insert(t.processed_events)
            .values(event_id=event_id, event_type=event_type, processed_at=processed_at)
            .on_conflict_do_nothing()
            .returning(t.processed_events.c.event_id)
        )
        return inserted.first() is not None


class PostgresQuotaCounter(_Repository):
    """One row per user per day. Counting is a single statement: the row lock taken by
    ``INSERT ... ON CONFLICT DO UPDATE`` serializes concurrent sends of one user, and the
    ``WHERE`` re-checks the limit against the latest committed count."""

    async def try_consume(self, user_id: str, day: date, limit: int) -> int | None:
        u = t.daily_usage
        counted = insert(u).values(user_id=uuid.UUID(user_id), day=day, count=1)
        statement = counted.on_conflict_do_update(
            index_elements=["user_id", "day"],
            set_={"count": u.c.count + 1},
            where=u.c.count < limit,
        ).returning(u.c.count)
        row = (await self._execute(statement)).first()
        return None if row is None else int(row[0])

    async def consume(self, user_id: str, day: date) -> int:
        u = t.daily_usage
        statement = (
            insert(u)
            .values(user_id=uuid.UUID(user_id), day=day, count=1)
            .on_conflict_do_update(index_elements=["user_id", "day"], set_={"count": u.c.count + 1})
            .returning(u.c.count)
        )
        return int((await self._execute(statement)).scalar_one())

    async def count(self, user_id: str, day: date) -> int:
        u = t.daily_usage
        row = (
            await self._execute(select(u.c.count).where(u.c.user_id == uuid.UUID(user_id)).where(u.c.day == day))
        ).first()
        return 0 if row is None else int(row[0])

    async def give_back(self, user_id: str, day: date) -> None:
        u = t.daily_usage
        await self._execute(
            update(u)
            .where(u.c.user_id == uuid.UUID(user_id))
            .where(u.c.day == day)
            .values(count=func.greatest(u.c.count - 1, 0))
        )

    async def reset(self, user_id: str, day: date) -> None:
        u = t.daily_usage
        await self._execute(delete(u).where(u.c.user_id == uuid.UUID(user_id)).where(u.c.day == day))
