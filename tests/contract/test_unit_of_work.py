"""The database ports: the in-memory twin and PostgreSQL must behave the same."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from dependency_injector import providers

from application.ports.repositories import Position, RoomAndOwner
from application.use_cases.create_chatroom import CreateChatroomCommand
from application.use_cases.delete_chatroom import DeleteChatroomCommand
from application.use_cases.fork_chatroom import ForkChatroomCommand
from application.use_cases.manage_uploads import StoreUploadCommand
from application.use_cases.send_message import SendMessageCommand
from domain.chat import Chatroom, ContextMessage, FinishReason, Message, MessageRole, MessageStatus, TokenUsage
from domain.errors import Conflict, NotFound
from domain.exports import Export
from domain.gems import Gem
from domain.instructions import PersonalInstructions
from domain.otp import OtpChallenge, OtpPurpose, SignUpDetails
from domain.quota import ModelUsage
from domain.search import MATCH_END, MATCH_START
from domain.sessions import AuthSession
from domain.shares import Share, new_share_id
from domain.subscriptions import Subscription, SubscriptionStatus
from domain.uploads import Upload, UploadKind
from domain.users import MobileNumber, Tier, User
from entrypoints.container import Container, adapter_set
from tests.support import MutableClock
from tests.unit.helpers import sign_in

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def _id() -> str:
    return str(uuid.uuid4())


def _user(number: str = "+919876543210") -> User:
    return User(_id(), MobileNumber(number), "Ada", Tier.BASIC, None, T0)


async def _with_user(adapters: Container, user: User | None = None) -> User:
    user = user or _user()
    async with adapters.uow()() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


async def test_users_round_trip_and_numbers_are_unique(adapters: Container) -> None:
    user = await _with_user(adapters)
    async with adapters.uow()() as uow:
        assert await uow.users.get(user.id) == user
        assert await uow.users.get_by_mobile(user.mobile_number) == user
        assert await uow.users.get(_id()) is None
        with pytest.raises(Conflict):
            await uow.users.add(_user())
    async with adapters.uow()() as uow:
        user.tier, user.password_hash = Tier.PRO, "$argon2id$..."
        await uow.users.update(user)
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.users.get(user.id) == user


async def test_nothing_is_kept_without_commit(adapters: Container) -> None:
    user = _user()
    async with adapters.uow()() as uow:
        await uow.users.add(user)
        assert await uow.users.get(user.id) == user  # a transaction sees its own writes
    async with adapters.uow()() as uow:
        assert await uow.users.get(user.id) is None
    with pytest.raises(RuntimeError):
        async with adapters.uow()() as uow:
            await uow.users.add(user)
            raise RuntimeError("use case failed")
    async with adapters.uow()() as uow:
        assert await uow.users.get(user.id) is None


async def test_work_after_a_commit_is_kept_only_by_the_next_commit(adapters: Container) -> None:
    """PostgreSQL's units of work run their own transactions (SQLAlchemy and the driver's
    statements in the same one): after a commit, the next statement opens another."""
    user = _user()
    room = Chatroom(id=_id(), owner_id=user.id, title="Kept", created_at=T0, updated_at=T0)
    async with adapters.uow()() as uow:
        await uow.users.add(user)  # a statement made per call
        await uow.commit()
        await uow.chatrooms.add(room)
        await uow.commit()
        await uow.chatrooms.touch(room, T0 + timedelta(hours=1))  # a statement run on the driver
        await uow.users.update(replace(user, name="Not kept"))
    async with adapters.uow()() as uow:
        assert await uow.users.get(user.id) == user
        assert (await uow.chatrooms.get(room.id)).updated_at == T0  # type: ignore[union-attr]
        await uow.chatrooms.touch(room, T0 + timedelta(hours=2))
        await uow.commit()
        await uow.commit()  # nothing since: nothing to do
    async with adapters.uow()() as uow:
        assert (await uow.chatrooms.get(room.id)).updated_at == T0 + timedelta(hours=2)  # type: ignore[union-attr]


async def test_an_entity_changed_but_not_saved_changes_nothing(adapters: Container) -> None:
    user = await _with_user(adapters)
    async with adapters.uow()() as uow:
        loaded = await uow.users.get(user.id)
        assert loaded is not None
        loaded.name = "changed in memory only"
        await uow.commit()
    async with adapters.uow()() as uow:
        assert (await uow.users.get(user.id)).name == "Ada"  # type: ignore[union-attr]


async def test_a_new_challenge_replaces_the_old_and_a_stale_update_is_ignored(adapters: Container) -> None:
    number = MobileNumber("+919876543210")
    old = OtpChallenge.issue(
        id=_id(), mobile_number=number, purpose=OtpPurpose.LOGIN, code_hash="a" * 64, now=T0, ttl=timedelta(minutes=5)
    )
    new = OtpChallenge.issue(
        id=_id(), mobile_number=number, purpose=OtpPurpose.LOGIN, code_hash="b" * 64, now=T0, ttl=timedelta(minutes=5)
    )
    reset = OtpChallenge.issue(
        id=_id(), mobile_number=number, purpose=OtpPurpose.RESET, code_hash="c" * 64, now=T0, ttl=timedelta(minutes=5)
    )
    async with adapters.uow()() as uow:
        await uow.otps.replace(old)
        await uow.otps.replace(reset)
        await uow.commit()
    async with adapters.uow()() as uow:
        await uow.otps.replace(new)
        old.attempts = 3
        await uow.otps.update(old)
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.otps.get(number, OtpPurpose.LOGIN) == new
        assert await uow.otps.get(number, OtpPurpose.RESET) == reset
        new.attempts, new.consumed_at = 2, T0
        await uow.otps.update(new)
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.otps.get(number, OtpPurpose.LOGIN) == new


async def test_sessions_are_revoked_per_user(adapters: Container) -> None:
    ada, bob = await _with_user(adapters), await _with_user(adapters, _user("+14155550100"))
    sessions = [
        AuthSession(_id(), owner.id, uuid.uuid4().hex, T0, T0 + timedelta(days=30)) for owner in (ada, ada, bob)
    ]
    async with adapters.uow()() as uow:
        for session in sessions:
            await uow.sessions.add(session)
        await uow.commit()
    async with adapters.uow()() as uow:
        await uow.sessions.revoke_all_for_user(ada.id, T0)
        await uow.commit()
    async with adapters.uow()() as uow:
        states = [(await uow.sessions.get(s.id)).revoked_at for s in sessions]  # type: ignore[union-attr]
    assert states == [T0, T0, None]


async def _rooms(adapters: Container, owner: User, count: int) -> list[Chatroom]:
    rooms = [Chatroom(_id(), owner.id, f"room {i}", T0, T0 + timedelta(minutes=i % 3)) for i in range(count)]
    async with adapters.uow()() as uow:
        for room in rooms:
            await uow.chatrooms.add(room)
        await uow.commit()
    return rooms


async def test_chatrooms_list_by_activity_with_keyset_pages_and_owner_isolation(adapters: Container) -> None:
    ada, bob = await _with_user(adapters), await _with_user(adapters, _user("+14155550100"))
    rooms = await _rooms(adapters, ada, 7)
    await _rooms(adapters, bob, 2)
    expected = sorted(rooms, key=lambda r: (r.updated_at, uuid.UUID(r.id)), reverse=True)
    seen: list[Chatroom] = []
    before = None
    async with adapters.uow()() as uow:
        while True:
            page = list(await uow.chatrooms.list_by_activity(ada.id, limit=3, before=before))
            seen += page
            if len(page) < 3:
                break
            before = Position(at=page[-1].updated_at, id=page[-1].id)
        assert [r.id for r in seen] == [r.id for r in expected]
        assert await uow.chatrooms.get_owned(rooms[0].id, bob.id) is None
        assert await uow.chatrooms.get_owned(rooms[0].id, ada.id) == rooms[0]
        assert await uow.chatrooms.get_owned(_id(), ada.id) is None


async def test_the_list_puts_pinned_rooms_first_leaves_archived_ones_out_and_never_shows_temporary_ones(
    adapters: Container,
) -> None:
    ada = await _with_user(adapters)
    rooms = await _rooms(adapters, ada, 9)
    for room in rooms[:3]:
        room.pin(True)
    for room in rooms[3:5]:
        room.archive(True)
    temporary = Chatroom.open(id=_id(), owner_id=ada.id, title="temp", now=T0 + timedelta(hours=1), temporary=True)
    async with adapters.uow()() as uow:
        for room in rooms[:5]:
            await uow.chatrooms.update(room)
        await uow.chatrooms.add(temporary)
        await uow.commit()

    def order(room: Chatroom) -> tuple[bool, datetime, uuid.UUID]:
        return (room.pinned, room.updated_at, uuid.UUID(room.id))

    async def listed(archived: bool) -> list[str]:
        seen: list[Chatroom] = []
        before = None
        async with adapters.uow()() as uow:
            while True:
                page = list(await uow.chatrooms.list_by_activity(ada.id, limit=2, before=before, archived=archived))
                seen += page
                if len(page) < 2:
                    return [r.id for r in seen]
                before = Position(at=page[-1].updated_at, id=page[-1].id, pinned=page[-1].pinned)

    shown = [r for r in rooms if not r.archived]
    assert await listed(False) == [r.id for r in sorted(shown, key=order, reverse=True)]
    assert (await listed(False))[:3] == [r.id for r in sorted(rooms[:3], key=order, reverse=True)]
    assert await listed(True) == [r.id for r in sorted(rooms[3:5], key=order, reverse=True)]
    async with adapters.uow()() as uow:
        assert await uow.chatrooms.list_expired_temporary(inactive_since=T0 + timedelta(hours=1), limit=5) == []
        expired = await uow.chatrooms.list_expired_temporary(inactive_since=T0 + timedelta(hours=2), limit=5)
        assert [r.id for r in expired] == [temporary.id]
        assert (await uow.chatrooms.get(temporary.id)) == temporary


async def test_deleting_a_chatroom_deletes_its_messages(adapters: Container) -> None:
    ada = await _with_user(adapters)
    [room] = await _rooms(adapters, ada, 1)
    message = Message.from_user(id=_id(), chatroom_id=room.id, content="hi", now=T0)
    async with adapters.uow()() as uow:
        await uow.messages.add(message)
        await uow.commit()
    async with adapters.uow()() as uow:
        await uow.chatrooms.delete(room)
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.chatrooms.get(room.id) is None
        assert await uow.messages.get(message.id) is None


async def test_a_conversation_tree_pages_along_one_branch_and_knows_each_message_s_versions(
    adapters: Container,
) -> None:
    ada = await _with_user(adapters)
    room, elsewhere = await _rooms(adapters, ada, 2)
    ids = adapters.services.ids()
    clock = iter(T0 + timedelta(seconds=i) for i in range(100))

    def ask(text: str, after: Message | None) -> Message:
        return Message.from_user(id=ids.new_id(), chatroom_id=room.id, content=text, now=next(clock), after=after)

    def answer(question: Message) -> Message:
        return Message.pending_reply(id=ids.new_id(), to=question, now=next(clock))

    u0 = ask("first", None)
    r0 = answer(u0)
    u1 = ask("second", r0)
    r1a = answer(u1)
    u2 = ask("third", r1a)
    r2 = answer(u2)
    r1b = answer(u1)  # regenerated: a newer version of r1a
    edited = ask("first, edited", None)  # a new version of the first message
    async with adapters.uow()() as uow:
        for message in (u0, r0, u1, r1a, u2, r2, r1b, edited):
            await uow.messages.add(message)
        await uow.commit()
    async with adapters.uow()() as uow:
        page = await uow.messages.list_branch(room.id, leaf_id=r2.id, limit=3)
        assert [m.id for m in page] == [r2.id, u2.id, r1a.id]
        whole = await uow.messages.list_branch(room.id, leaf_id=r2.id, limit=None)
        assert [m.content for m in whole if m.role is MessageRole.USER] == ["third", "second", "first"]
        assert [m.id for m in await uow.messages.list_branch(room.id, leaf_id=r1b.id, limit=10)] == [
            r1b.id,
            u1.id,
            r0.id,
            u0.id,
        ]
        assert await uow.messages.list_branch(elsewhere.id, leaf_id=r2.id, limit=10) == []
        # A context's read: bounded by the characters read too, none past the one that
        # reaches the bound (the replies here are still empty; "third" is 5 characters,
        # "second" 6), and what it reads of each is the message's.
        for characters, expected in ((0, [r2]), (5, [r2, u2]), (6, [r2, u2, r1a, u1]), (11, [r2, u2, r1a, u1])):
            bounded = await uow.messages.context_before(room.id, leaf_id=r2.id, limit=100, characters=characters)
            assert [m.id for m in bounded] == [m.id for m in expected], characters
        assert len(await uow.messages.context_before(room.id, leaf_id=r2.id, limit=2, characters=100)) == 2
        assert await uow.messages.context_before(elsewhere.id, leaf_id=r2.id, limit=10, characters=100) == []
        read = await uow.messages.context_before(room.id, leaf_id=r2.id, limit=4, characters=1000)
        assert read == [
            ContextMessage(m.id, m.parent_id, m.reply_to, m.role, m.status, m.content, m.attachments)
            for m in (r2, u2, r1a, u1)
        ]
        versions = await uow.messages.versions(room.id, {None, u1.id, r1a.id, r2.id})
        assert versions == {None: [u0.id, edited.id], u1.id: [r1a.id, r1b.id], r1a.id: [u2.id], r2.id: []}
        assert await uow.messages.versions(elsewhere.id, {None, u1.id}) == {None: [], u1.id: []}
        # Down from a message, the newest version at every step.
        assert await uow.messages.newest_leaf(room.id, u0.id) == r1b.id
        assert await uow.messages.newest_leaf(room.id, r1a.id) == r2.id
        assert await uow.messages.newest_leaf(room.id, r2.id) == r2.id


async def test_replies_round_trip_with_how_they_ended(adapters: Container) -> None:
    ada = await _with_user(adapters)
    [room] = await _rooms(adapters, ada, 1)
    ids = adapters.services.ids()
    asked = Message.from_user(id=ids.new_id(), chatroom_id=room.id, content="q", now=T0)
    reply = Message.pending_reply(id=ids.new_id(), to=asked, now=T0)
    stopped = Message.pending_reply(id=ids.new_id(), to=asked, now=T0)
    async with adapters.uow()() as uow:
        for message in (asked, reply, stopped):
            await uow.messages.add(message)
        await uow.commit()
    async with adapters.uow()() as uow:
        loaded = await uow.messages.get(reply.id)
        assert loaded is not None and loaded.parent_id == asked.id
        loaded.start_generation(now=T0, lease=timedelta(minutes=3))
        loaded.complete(text="done", usage=TokenUsage(12, 3), now=T0 + timedelta(seconds=9), reason=FinishReason.LENGTH)
        await uow.messages.update(loaded)
        halted = await uow.messages.get(stopped.id)
        assert halted is not None
        assert halted.cancel(text="", usage=None, now=T0) is True
        await uow.messages.update(halted)
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.messages.get_in_chatroom(room.id, reply.id) == loaded
        assert await uow.messages.get_in_chatroom(_id(), reply.id) is None
        again = await uow.messages.get(stopped.id)
        assert again is not None
        assert (again.status, again.finish_reason, again.refunded) == (
            MessageStatus.CANCELLED,
            FinishReason.CANCELLED,
            True,
        )


async def test_only_touch_moves_the_branch_a_room_shows(adapters: Container) -> None:
    ada = await _with_user(adapters)
    [room] = await _rooms(adapters, ada, 1)
    leaf = _id()
    async with adapters.uow()() as uow:
        stale = await uow.chatrooms.get(room.id)
        await uow.chatrooms.touch(room, T0 + timedelta(hours=1), active_leaf_id=leaf)
        await uow.commit()
    assert stale is not None
    async with adapters.uow()() as uow:
        stale.rename("renamed from an old copy", T0 + timedelta(hours=2))
        await uow.chatrooms.update(stale)
        await uow.commit()
    async with adapters.uow()() as uow:
        stored = await uow.chatrooms.get(room.id)
        assert stored is not None
        assert (stored.title, stored.active_leaf_id) == ("renamed from an old copy", leaf)


async def test_stalled_replies_are_the_old_pending_and_the_unleased_streaming(adapters: Container) -> None:
    ada = await _with_user(adapters)
    [room] = await _rooms(adapters, ada, 1)
    ids = adapters.services.ids()
    asked = Message.from_user(id=ids.new_id(), chatroom_id=room.id, content="q", now=T0)
    fresh = Message.pending_reply(id=ids.new_id(), to=asked, now=T0 + timedelta(minutes=5))
    old = Message.pending_reply(id=ids.new_id(), to=asked, now=T0)
    leased = Message.pending_reply(id=ids.new_id(), to=asked, now=T0)
    leased.start_generation(now=T0 + timedelta(minutes=4), lease=timedelta(minutes=3))
    expired = Message.pending_reply(id=ids.new_id(), to=asked, now=T0 + timedelta(seconds=1))
    expired.start_generation(now=T0, lease=timedelta(minutes=3))
    async with adapters.uow()() as uow:
        for message in (asked, fresh, old, leased, expired):
            await uow.messages.add(message)
        await uow.commit()
    async with adapters.uow()() as uow:
        stalled = await uow.messages.list_stalled(
            pending_before=T0 + timedelta(minutes=4), now=T0 + timedelta(minutes=5), limit=10
        )
    assert list(stalled) == [old.id, expired.id]


async def test_unfinished_replies_are_counted_per_owner_across_their_chatrooms(adapters: Container) -> None:
    ada, bob = await _with_user(adapters), await _with_user(adapters, _user("+14155550100"))
    ada_rooms, [bob_room] = await _rooms(adapters, ada, 2), await _rooms(adapters, bob, 1)
    ids = adapters.services.ids()
    messages = []
    for room in (*ada_rooms, bob_room):
        asked = Message.from_user(id=ids.new_id(), chatroom_id=room.id, content="q", now=T0)
        pending = Message.pending_reply(id=ids.new_id(), to=asked, now=T0)
        streaming = Message.pending_reply(id=ids.new_id(), to=asked, now=T0)
        streaming.start_generation(now=T0, lease=timedelta(minutes=3))
        done = Message.pending_reply(id=ids.new_id(), to=asked, now=T0)
        done.complete(text="answer", usage=None, now=T0)
        messages += [asked, pending, streaming, done]
    # Ada's come in one batch with a long conversation (a copy's way in), Bob's one by one.
    earlier: list[Message] = []
    for _ in range(10):
        question = Message.from_user(
            id=ids.new_id(), chatroom_id=ada_rooms[0].id, content="q", now=T0, after=earlier[-1] if earlier else None
        )
        answered = Message.pending_reply(id=ids.new_id(), to=question, now=T0)
        answered.complete(text="answer", usage=None, now=T0)
        earlier += [question, answered]
    async with adapters.uow()() as uow:
        await uow.messages.add_all([*earlier, *messages[:8]])
        for message in messages[8:]:
            await uow.messages.add(message)
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.messages.count_unfinished_replies(ada.id) == 4
        assert await uow.messages.count_unfinished_replies(bob.id) == 2
        assert await uow.messages.count_unfinished_replies(_id()) == 0
        # A failed reply retried is in flight again.
        failed = messages[1]
        failed.start_generation(now=T0, lease=timedelta(minutes=3))
        failed.fail(error="boom", now=T0)
        await uow.messages.update(failed)
        assert await uow.messages.count_unfinished_replies(ada.id) == 3
        failed.retry()
        await uow.messages.update(failed)
        assert await uow.messages.count_unfinished_replies(ada.id) == 4


async def test_a_sign_up_challenge_keeps_what_it_was_given_and_users_keep_their_proof(adapters: Container) -> None:
    number = MobileNumber("+919876543210")
    details = SignUpDetails(flow_hash="f" * 64, password_hash="$argon2id$...", name="Ada")
    challenge = OtpChallenge.issue(
        id=_id(),
        mobile_number=number,
        purpose=OtpPurpose.SIGNUP,
        code_hash="a" * 64,
        now=T0,
        ttl=timedelta(minutes=5),
        signup=details,
    )
    user = _user()
    user.verified_at = T0
    async with adapters.uow()() as uow:
        await uow.otps.replace(challenge)
        await uow.users.add(user)
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.otps.get(number, OtpPurpose.SIGNUP) == challenge
        assert (await uow.users.get(user.id)).verified_at == T0  # type: ignore[union-attr]


async def test_idempotency_keys_are_unique_per_owner(adapters: Container) -> None:
    ada, bob = await _with_user(adapters), await _with_user(adapters, _user("+14155550100"))
    reply = _id()
    async with adapters.uow()() as uow:
        await uow.idempotency.add(ada.id, "k", reply)
        await uow.idempotency.add(bob.id, "k", _id())
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.idempotency.get(ada.id, "k") == reply
        assert await uow.idempotency.get(ada.id, "other") is None
        with pytest.raises(Conflict):
            await uow.idempotency.add(ada.id, "k", _id())


async def test_subscriptions_by_id_customers_both_ways_and_processed_events(adapters: Container) -> None:
    ada, bob = await _with_user(adapters), await _with_user(adapters, _user("+14155550100"))
    subscriptions = [
        Subscription(
            subscription_id=f"sub_{n}",
            user_id=ada.id,
            customer_id="cus_1",
            status=status,
            current_period_end=T0 + timedelta(days=30),
            cancel_at_period_end=n == 1,
            as_of=T0,
        )
        for n, status in ((1, SubscriptionStatus.ACTIVE), (2, SubscriptionStatus.CANCELED))
    ]
    async with adapters.uow()() as uow:
        for subscription in subscriptions:
            await uow.subscriptions.save(subscription)
        await uow.customers.link(ada.id, "cus_1")
        assert await uow.processed_events.add("evt_1", "invoice.paid", T0)
        assert not await uow.processed_events.add("evt_1", "invoice.paid", T0)
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.subscriptions.get("sub_1") == subscriptions[0]
        assert await uow.subscriptions.get("sub_9") is None
        assert list(await uow.subscriptions.list_for_user(ada.id)) == subscriptions
        assert list(await uow.subscriptions.list_for_user(bob.id)) == []
        assert await uow.customers.customer_of(ada.id) == "cus_1" and await uow.customers.user_of("cus_1") == ada.id
        assert await uow.customers.customer_of(bob.id) is None and await uow.customers.user_of("cus_2") is None
        with pytest.raises(Conflict):
            await uow.customers.link(bob.id, "cus_1")  # a customer has one user
    async with adapters.uow()() as uow:
        with pytest.raises(Conflict):
            await uow.customers.link(ada.id, "cus_2")  # a user has one customer
    async with adapters.uow()() as uow:
        subscriptions[0].status = SubscriptionStatus.PAST_DUE
        await uow.subscriptions.save(subscriptions[0])
        assert not await uow.processed_events.add("evt_1", "invoice.paid", T0)
        await uow.commit()
    async with adapters.uow()() as uow:
        assert (await uow.subscriptions.get("sub_1")).status is SubscriptionStatus.PAST_DUE  # type: ignore[union-attr]


async def test_quota_counts_to_the_limit_gives_back_and_resets(adapters: Container) -> None:
    ada = await _with_user(adapters)
    day = date(2026, 11, 21)
    async with adapters.uow()() as uow:
        counts = [await uow.quota.try_consume(ada.id, day, 3) for _ in range(4)]
        assert counts == [1, 2, 3, None]
        await uow.quota.give_back(ada.id, day)
        assert await uow.quota.try_consume(ada.id, day, 3) == 3
        assert await uow.quota.consume(ada.id, day) == 4
        assert await uow.quota.count(ada.id, day + timedelta(days=1)) == 0
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.quota.count(ada.id, day) == 4
        await uow.quota.reset(ada.id, day)
        await uow.quota.give_back(ada.id, day)
        assert await uow.quota.count(ada.id, day) == 0


async def test_concurrent_quota_consumption_is_exact(adapters: Container) -> None:
    ada = await _with_user(adapters)
    day = date(2026, 11, 21)

    async def consume() -> int | None:
        async with adapters.uow()() as uow:
            counted = await uow.quota.try_consume(ada.id, day, 5)
            await uow.commit()
            return counted

    results = await asyncio.gather(*(consume() for _ in range(25)))
    assert sorted(r for r in results if r is not None) == [1, 2, 3, 4, 5]
    assert results.count(None) == 20


async def test_concurrent_refreshes_of_one_token_rotate_it_once(adapters: Container) -> None:
    from application.use_cases.refresh_tokens import RefreshTokensCommand
    from domain.errors import Unauthenticated
    from tests.unit.helpers import sign_in

    _, signed_in = await sign_in(adapters)
    command = RefreshTokensCommand(refresh_token=signed_in.tokens.refresh_token)
    outcomes = await asyncio.gather(
        *(adapters.refresh_tokens().execute(command) for _ in range(5)), return_exceptions=True
    )
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 1
    assert all(isinstance(o, Unauthenticated) for o in outcomes if isinstance(o, BaseException))


async def test_touching_a_chatroom_moves_only_its_activity_time_forward(adapters: Container) -> None:
    ada = await _with_user(adapters)
    [room] = await _rooms(adapters, ada, 1)
    async with adapters.uow()() as uow:
        renamed = await uow.chatrooms.get(room.id)
        assert renamed is not None
        renamed.rename("Named meanwhile", T0)
        await uow.chatrooms.update(renamed)
        await uow.chatrooms.touch(room, T0 + timedelta(hours=1))
        await uow.chatrooms.touch(room, T0)  # never backwards
        await uow.commit()
    async with adapters.uow()() as uow:
        stored = await uow.chatrooms.get(room.id)
    assert stored is not None and stored.title == "Named meanwhile" and not stored.untitled
    assert stored.updated_at == T0 + timedelta(hours=1)


async def test_one_webhook_event_delivered_five_times_at_once_applies_once(adapters: Container) -> None:
    from application.use_cases.handle_payment_event import HandlePaymentEventCommand, PaymentEventOutcome
    from tests.unit.helpers import sign_in

    principal, _ = await sign_in(adapters)
    session = await adapters.upgrade_to_pro().execute(principal)
    deliveries = adapters.services.payments().complete_checkout(session.session_id)
    handle = adapters.handle_payment_event()
    outcomes = await asyncio.gather(
        *(handle.execute(HandlePaymentEventCommand(payload=d.payload, signature=d.signature)) for d in deliveries * 5)
    )
    assert outcomes.count(PaymentEventOutcome.APPLIED) == len(deliveries)
    assert outcomes.count(PaymentEventOutcome.DUPLICATE) == 4 * len(deliveries)
    assert (await adapters.get_profile().execute(principal)).tier is Tier.PRO


async def test_different_events_for_one_user_at_once_all_take_effect(adapters: Container) -> None:
    """An older and a newer state of a new subscription, delivered at once for a user with
    no subscription record yet: the newer one must win whichever commits last."""
    from application.use_cases.handle_payment_event import HandlePaymentEventCommand
    from tests.unit.helpers import sign_in

    principal, _ = await sign_in(adapters)
    gateway = adapters.services.payments()
    session = await gateway.create_checkout(customer_id="cus_direct", user_id=principal.user_id)
    _, created, _ = gateway.complete_checkout(session.session_id)
    adapters.services.clock().advance(minutes=1)
    subscription_id = json.loads(created.payload)["subscription_id"]
    past_due = gateway.change_subscription(subscription_id, status=SubscriptionStatus.PAST_DUE)
    handle = adapters.handle_payment_event()
    await asyncio.gather(
        *(
            handle.execute(HandlePaymentEventCommand(payload=d.payload, signature=d.signature))
            for d in (past_due, created)
        )
    )
    async with adapters.uow()() as uow:
        stored = await uow.subscriptions.get(subscription_id)
    assert stored is not None and stored.status is SubscriptionStatus.PAST_DUE


async def test_personal_instructions_are_kept_per_person_and_replaced_whole(adapters: Container) -> None:
    ada, bob = await _with_user(adapters), await _with_user(adapters, _user("+14155550100"))
    first = PersonalInstructions(about_me="I cook.", response_style="Short.")
    async with adapters.uow()() as uow:
        assert await uow.instructions.of(ada.id) == PersonalInstructions()
        await uow.instructions.put(ada.id, first, T0)
        # Read back in the same transaction, before it is committed.
        assert await uow.instructions.of(ada.id) == first
    async with adapters.uow()() as uow:
        assert await uow.instructions.of(ada.id) == PersonalInstructions()  # rolled back
        await uow.instructions.put(ada.id, first, T0)
        await uow.commit()
    async with adapters.uow()() as uow:
        await uow.instructions.put(ada.id, PersonalInstructions(response_style="Long."), T0 + timedelta(hours=1))
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.instructions.of(ada.id) == PersonalInstructions(about_me="", response_style="Long.")
        assert await uow.instructions.of(bob.id) == PersonalInstructions()


async def test_a_room_comes_with_its_owner_s_plan_and_instructions(adapters: Container) -> None:
    ada = await _with_user(adapters, replace(_user(), tier=Tier.PRO))
    bob = await _with_user(adapters, _user("+14155550100"))
    (ada_room,), (bob_room,) = await _rooms(adapters, ada, 1), await _rooms(adapters, bob, 1)
    mine = PersonalInstructions(about_me="I cook.", response_style="")
    async with adapters.uow()() as uow:
        await uow.instructions.put(ada.id, mine, T0)
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.chatrooms.get_with_owner(ada_room.id) == RoomAndOwner(ada_room, Tier.PRO, mine)
        assert await uow.chatrooms.get_with_owner(bob_room.id) == RoomAndOwner(
            bob_room, Tier.BASIC, PersonalInstructions()
        )
        assert await uow.chatrooms.get_with_owner(_id()) is None
        # What the transaction itself changed.
        await uow.users.update(replace(bob, tier=Tier.PRO))
        await uow.instructions.put(bob.id, mine, T0)
        assert await uow.chatrooms.get_with_owner(bob_room.id) == RoomAndOwner(bob_room, Tier.PRO, mine)


async def test_gems_are_one_persons_oldest_first_and_counted(adapters: Container) -> None:
    ada, bob = await _with_user(adapters), await _with_user(adapters, _user("+14155550100"))

    def gem(owner: str, name: str, minutes: int) -> Gem:
        at = T0 + timedelta(minutes=minutes)
        return Gem.create(
            id=_id(), owner_id=owner, name=name, description="", instructions="Be brief.", temperature=0.5, now=at
        )

    later, earlier, bobs = gem(ada.id, "Later", 2), gem(ada.id, "Earlier", 1), gem(bob.id, "Bob's", 0)
    async with adapters.uow()() as uow:
        for each in (later, earlier, bobs):
            await uow.gems.add(each)
        await uow.commit()
    async with adapters.uow()() as uow:
        assert [g.name for g in await uow.gems.list_for(ada.id)] == ["Earlier", "Later"]
        assert await uow.gems.count_for(ada.id) == 2 and await uow.gems.count_for(bob.id) == 1
        assert await uow.gems.get_owned(later.id, ada.id) == later
        assert await uow.gems.get_owned(later.id, bob.id) is None  # not Bob's
        later.instruct("Be thorough.", T0 + timedelta(hours=1))
        later.set_temperature(None, T0 + timedelta(hours=1))
        later.choose_model("gemini-2.5-pro", T0 + timedelta(hours=1))
        await uow.gems.update(later)
        await uow.gems.delete(earlier)
        await uow.commit()
    async with adapters.uow()() as uow:
        [kept] = await uow.gems.list_for(ada.id)
        assert kept == later and (kept.instructions, kept.temperature) == ("Be thorough.", None)
        assert kept.model == "gemini-2.5-pro"


async def test_a_chatrooms_settings_and_chosen_model_are_kept_and_changed(adapters: Container) -> None:
    ada = await _with_user(adapters)
    room = Chatroom.open(
        id=_id(),
        owner_id=ada.id,
        title="Trip",
        now=T0,
        system_instruction="Trains only.",
        temperature=0.3,
        gem_instructions="Plan trips.",
        model="gemini-2.5-pro",
    )
    async with adapters.uow()() as uow:
        await uow.chatrooms.add(room)
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.chatrooms.get(room.id) == room
        room.choose_model(None, T0 + timedelta(minutes=1))
        room.set_temperature(1.5, T0 + timedelta(minutes=1))
        await uow.chatrooms.update(room)
        await uow.commit()
    async with adapters.uow()() as uow:
        kept = await uow.chatrooms.get(room.id)
        assert kept == room and (kept.model, kept.temperature, kept.gem_instructions) == (None, 1.5, "Plan trips.")


async def test_model_usage_adds_up_per_model_over_days_and_rolls_back(adapters: Container) -> None:
    ada, bob = await _with_user(adapters), await _with_user(adapters, _user("+14155550100"))
    day = T0.date()
    async with adapters.uow()() as uow:
        await uow.model_usage.record(ada.id, day, "flash", TokenUsage(prompt_tokens=10, response_tokens=5))
        await uow.model_usage.record(ada.id, day, "flash", None)  # a reply whose usage is not known
        await uow.model_usage.record(ada.id, day + timedelta(days=1), "flash", TokenUsage(1, 2))
        await uow.model_usage.record(ada.id, day, "pro", TokenUsage(100, 50))
        await uow.model_usage.record(bob.id, day, "flash", TokenUsage(7, 7))
        await uow.commit()
    async with adapters.uow()() as uow:
        await uow.model_usage.record(ada.id, day, "flash", TokenUsage(1000, 1000))  # never committed
    async with adapters.uow()() as uow:
        assert list(await uow.model_usage.totals(ada.id, day, day)) == [
            ModelUsage(model="flash", replies=2, prompt_tokens=10, response_tokens=5),
            ModelUsage(model="pro", replies=1, prompt_tokens=100, response_tokens=50),
        ]
        two_days = await uow.model_usage.totals(ada.id, day, day + timedelta(days=1))
        assert two_days[0] == ModelUsage(model="flash", replies=3, prompt_tokens=11, response_tokens=7)
        assert list(await uow.model_usage.totals(ada.id, day - timedelta(days=5), day - timedelta(days=1))) == []
        assert [u.replies for u in await uow.model_usage.totals(bob.id, day, day)] == [1]


async def test_uploads_never_sent_are_swept_after_a_day_record_and_bytes(
    adapters: Container, clock: MutableClock
) -> None:
    """Driven by the clock port: nothing uploaded is kept for nothing, and nothing else goes."""
    principal, _ = await sign_in(adapters)
    files = adapter_set(adapters).files()

    async def upload(text: bytes) -> str:
        stored = await adapters.store_upload().execute(
            StoreUploadCommand(principal=principal, filename="note.txt", source=io.BytesIO(text), size=len(text))
        )
        return stored.id

    old = await upload(b"old")
    clock.advance(hours=20)
    recent = await upload(b"recent")
    clock.advance(hours=5)  # old: 25 hours; recent: 5
    assert await adapters.sweep_unattached_uploads().execute() == 1
    assert await files.keys() == [f"{principal.user_id}/{recent}"]
    with pytest.raises(NotFound):
        await adapters.get_upload().execute(principal, old)
    assert (await adapters.get_upload().execute(principal, recent)).upload.filename == "note.txt"
    assert await adapters.sweep_unattached_uploads().execute() == 0
    clock.advance(hours=20)
    assert await adapters.sweep_unattached_uploads().execute() == 1
    assert await files.keys() == []


async def test_sent_files_ride_with_their_messages_and_go_with_the_last_chatroom_carrying_them(
    adapters: Container, clock: MutableClock
) -> None:
    """A message's attachments round-trip with it; a sent upload is never swept, cannot be
    deleted alone, is shared by a fork, and goes (record and bytes) with the last
    chatroom whose messages carry it."""
    principal, _ = await sign_in(adapters)
    files = adapter_set(adapters).files()

    async def upload(text: bytes, name: str) -> str:
        stored = await adapters.store_upload().execute(
            StoreUploadCommand(principal=principal, filename=name, source=io.BytesIO(text), size=len(text))
        )
        return stored.id

    notes, extra = await upload(b"# notes", "notes.md"), await upload(b"more", "more.txt")
    room = await adapters.create_chatroom().execute(CreateChatroomCommand(principal=principal, title="Files"))
    sent = await adapters.send_message().execute(
        SendMessageCommand(principal=principal, chatroom_id=room.id, content="", attachment_ids=[extra, notes])
    )
    async with adapters.uow()() as uow:
        message = await uow.messages.get(sent.message.message.id)
        assert message is not None
        assert [(a.id, a.filename, a.size_bytes) for a in message.attachments] == [
            (extra, "more.txt", 4),
            (notes, "notes.md", 7),
        ]
        branch = await uow.messages.list_branch(room.id, leaf_id=message.id, limit=None)
        assert branch[0].attachments == message.attachments
        assert await uow.uploads.is_attached(notes)
        assert {u.id for u in await uow.uploads.attached_in_chatroom(room.id)} == {notes, extra}
        assert len(await uow.uploads.owned([notes, extra, _id()], principal.user_id)) == 2
        assert await uow.uploads.owned([notes], _id()) == []
    clock.advance(hours=30)
    assert await adapters.sweep_unattached_uploads().execute() == 0
    with pytest.raises(Conflict):
        await adapters.delete_upload().execute(principal, notes)
    copy = await adapters.fork_chatroom().execute(
        ForkChatroomCommand(principal=principal, chatroom_id=room.id, message_id=sent.reply.message.id)
    )
    await adapters.delete_chatroom().execute(DeleteChatroomCommand(principal=principal, chatroom_id=room.id))
    assert len(await files.keys()) == 2  # the copy carries both still
    await adapters.delete_chatroom().execute(DeleteChatroomCommand(principal=principal, chatroom_id=copy.id))
    assert await files.keys() == []
    async with adapters.uow()() as uow:
        assert await uow.uploads.get_owned(notes, principal.user_id) is None
        assert not await uow.uploads.is_attached(notes)


class _StoreThatCannotDelete:
    """The real store, except that deleting fails while ``away`` (an S3 outage)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.away = True

    async def put(self, key: str, source: Any, *, size: int, content_type: str) -> None:
        await self.inner.put(key, source, size=size, content_type=content_type)

    def read(self, key: str) -> Any:
        return self.inner.read(key)

    async def delete(self, key: str) -> None:
        if self.away:
            raise OSError("the store is away")
        await self.inner.delete(key)

    async def keys(self, prefix: str = "") -> list[str]:
        return list(await self.inner.keys(prefix))


async def test_a_file_whose_deletion_failed_is_deleted_by_the_sweeper(adapters: Container) -> None:
    principal, _ = await sign_in(adapters)
    store = _StoreThatCannotDelete(adapter_set(adapters).files())
    adapter_set(adapters).files.override(providers.Object(store))
    kept = await adapters.store_upload().execute(
        StoreUploadCommand(principal=principal, filename="a.txt", source=io.BytesIO(b"a"), size=1)
    )
    gone = await adapters.store_upload().execute(
        StoreUploadCommand(principal=principal, filename="b.txt", source=io.BytesIO(b"b"), size=1)
    )
    await adapters.delete_upload().execute(principal, gone.id)  # the record goes; the bytes cannot
    assert await store.keys() == sorted([kept.storage_key, gone.storage_key])
    assert await adapters.finish_file_deletions().execute() == 0  # still away
    store.away = False
    assert await adapters.finish_file_deletions().execute() == 1
    assert await store.keys() == [kept.storage_key]
    assert await adapters.finish_file_deletions().execute() == 0  # nothing left to do
    async with adapters.uow()() as uow:
        assert await uow.uploads.files_to_delete(limit=10) == []
    await adapters.delete_upload().execute(principal, kept.id)  # a deletion that works is done at once
    assert await store.keys() == []
    async with adapters.uow()() as uow:
        assert await uow.uploads.files_to_delete(limit=10) == []


async def test_search_finds_the_owners_words_in_titles_and_messages_with_web_search_syntax(
    adapters: Container,
) -> None:
    """Both adapters answer the same hits, in the same order, for the same questions."""
    ada, bob = await _with_user(adapters), await _with_user(adapters, _user("+14155550101"))
    trip = Chatroom.open(id=_id(), owner_id=ada.id, title="Goa trip", now=T0)
    food = Chatroom.open(id=_id(), owner_id=ada.id, title="Cooking", now=T0 + timedelta(minutes=1))
    secret = Chatroom.open(id=_id(), owner_id=ada.id, title="Goa secret", now=T0, temporary=True)
    bobs = Chatroom.open(id=_id(), owner_id=bob.id, title="Goa for Bob", now=T0)
    upload = Upload(
        id=_id(), owner_id=ada.id, filename="beach-sunset.jpg", kind=UploadKind.IMAGE, mime_type="image/jpeg",
        size_bytes=1, sha256="0" * 64, created_at=T0, width=1, height=1,
    )  # fmt: skip
    photo = upload.as_attachment()
    said = {
        "trains": Message.from_user(
            id=_id(), chatroom_id=trip.id, content="Which trains go to Goa from Mumbai?", now=T0 + timedelta(minutes=2)
        ),
        "beach": Message.from_user(
            id=_id(),
            chatroom_id=trip.id,
            content="Best beach for a quiet evening",
            now=T0 + timedelta(minutes=3),
            attachments=(photo,),
        ),
        "curry": Message.from_user(
            id=_id(),
            chatroom_id=food.id,
            content="A Goan fish curry, not too spicy: fish, coconut, fish stock",
            now=T0 + timedelta(minutes=4),
        ),
        "hidden": Message.from_user(
            id=_id(), chatroom_id=secret.id, content="Trains to Goa, quietly", now=T0 + timedelta(minutes=5)
        ),
        "bob": Message.from_user(
            id=_id(), chatroom_id=bobs.id, content="Trains to Goa for Bob", now=T0 + timedelta(minutes=6)
        ),
    }
    async with adapters.uow()() as uow:
        await uow.uploads.add(upload)
        for room in (trip, food, secret, bobs):
            await uow.chatrooms.add(room)
        for message in said.values():
            await uow.messages.add(message)
        await uow.commit()

    async def found(query: str, **page: int) -> list[str | None]:
        async with adapters.uow()() as uow:
            hits = await uow.search.search(ada.id, query, limit=page.get("limit", 20), offset=page.get("offset", 0))
        names = {m.id: name for name, m in said.items()}
        return [names.get(h.message_id or "", f"title:{h.chatroom_title}") for h in hits]

    assert await found("trains") == ["trains"]  # not the temporary chat's, not Bob's
    assert await found("TRAINS goa") == ["trains"]
    assert await found("goa") == ["trains", "title:Goa trip"]
    assert await found('"to goa"') == ["trains"]
    assert await found('"goa to"') == []
    assert await found("trains or beach") == ["beach", "trains"]
    assert await found("goa -trains") == ["title:Goa trip"]
    assert await found("sunset") == ["beach"]  # a file's name
    assert await found("fish") == ["curry"]
    assert await found("fish or trains") == ["curry", "trains"]  # three fish rank above one train
    assert await found("goa", limit=1, offset=1) == ["title:Goa trip"]
    assert await found("-") == []
    for syntax_alone in ['"', "or", "- -", '""', "!!!", "\\", "'", "%", "&|!", "<->", ":*", "a & b"]:
        await found(syntax_alone)  # whatever it finds, it does not fail
    async with adapters.uow()() as uow:
        [hit] = await uow.search.search(ada.id, "coconut", limit=5, offset=0)
    assert hit.chatroom_title == "Cooking" and hit.role is MessageRole.USER
    assert f"{MATCH_START}coconut{MATCH_END}" in hit.snippet
    assert hit.snippet.replace(MATCH_START, "").replace(MATCH_END, "").startswith("A Goan fish curry")


async def test_a_share_round_trips_as_frozen_and_goes_with_its_chatroom(adapters: Container) -> None:
    ada, bob = await _with_user(adapters), await _with_user(adapters, _user("+14155550102"))
    [room] = await _rooms(adapters, ada, 1)
    asked = Message.from_user(id=_id(), chatroom_id=room.id, content="Trains?", now=T0)
    answer = Message.pending_reply(id=_id(), to=asked, now=T0)
    answer.complete(text="Yes, several.", usage=None, now=T0 + timedelta(seconds=2))
    answer.model = "fake-flash"
    share = Share.snapshot(id=new_share_id(), chatroom=room, branch=[asked, answer], now=T0 + timedelta(minutes=1))
    older = Share.snapshot(id=new_share_id(), chatroom=room, branch=[asked, answer], now=T0)
    async with adapters.uow()() as uow:
        await uow.shares.add(share)
        await uow.shares.add(older)
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.shares.get(share.id) == share
        assert await uow.shares.get_owned(share.id, ada.id) == share
        assert await uow.shares.get_owned(share.id, bob.id) is None
        assert await uow.shares.get(new_share_id()) is None
        assert [s.id for s in await uow.shares.list_for(ada.id, limit=10)] == [share.id, older.id]
        assert await uow.shares.list_for(bob.id, limit=10) == []
        await uow.shares.delete(older)
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.shares.get(older.id) is None
        await uow.chatrooms.delete(room)
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.shares.get(share.id) is None
        assert await uow.shares.list_for(ada.id, limit=10) == []


async def test_deleting_a_user_takes_everything_of_theirs_and_notes_their_files(adapters: Container) -> None:
    ada, bob = await _with_user(adapters), await _with_user(adapters, _user("+919812345678"))
    rooms = {}
    for person in (ada, bob):
        room = Chatroom.open(id=_id(), owner_id=person.id, title="Trip", now=T0)
        question = Message.from_user(id=_id(), chatroom_id=room.id, content="hi", now=T0)
        upload = Upload(
            id=_id(),
            owner_id=person.id,
            filename="a.txt",
            kind=UploadKind.TEXT,
            mime_type="text/plain",
            size_bytes=2,
            sha256="0" * 64,
            created_at=T0,
        )
        async with adapters.uow()() as uow:
            await uow.chatrooms.add(room)
            await uow.messages.add(question)
            await uow.uploads.add(upload)
            await uow.sessions.add(AuthSession(_id(), person.id, "jti", T0, T0 + timedelta(days=1)))
            gem = Gem.create(
                id=_id(), owner_id=person.id, name="G", description="", instructions="", temperature=None, now=T0
            )
            await uow.gems.add(gem)
            await uow.exports.add(Export.requested(id=_id(), owner_id=person.id, now=T0))
            await uow.idempotency.add(person.id, "key", question.id)
            await uow.quota.consume(person.id, T0.date())
            await uow.commit()
        rooms[person.id] = (room, question, upload)
    async with adapters.uow()() as uow:
        keys = [*await uow.uploads.delete_all_of(ada.id), *await uow.exports.delete_all_of(ada.id)]
        await uow.users.delete(ada)
        await uow.otps.delete_all_for(ada.mobile_number)
        await uow.commit()
    room, question, upload = rooms[ada.id]
    assert keys[0] == upload.storage_key and keys[1].startswith(f"exports/{ada.id}/") and len(keys) == 2
    async with adapters.uow()() as uow:
        assert await uow.users.get(ada.id) is None and await uow.users.get_by_mobile(ada.mobile_number) is None
        assert await uow.chatrooms.list_all_of(ada.id) == [] and await uow.messages.get(question.id) is None
        assert await uow.gems.list_for(ada.id) == [] and await uow.exports.unfinished_of(ada.id) is None
        assert await uow.idempotency.get(ada.id, "key") is None and await uow.quota.count(ada.id, T0.date()) == 0
        assert set(keys) <= set(await uow.uploads.files_to_delete(limit=100))
        # Bob keeps everything.
        assert [r.id for r in await uow.chatrooms.list_all_of(bob.id)] == [rooms[bob.id][0].id]
        assert await uow.uploads.get_owned(rooms[bob.id][2].id, bob.id) is not None
        assert await uow.exports.unfinished_of(bob.id) is not None and await uow.quota.count(bob.id, T0.date()) == 1
    # The number is free again.
    await _with_user(adapters, _user())


async def test_exports_round_trip_and_expire_a_day_after_they_finish(adapters: Container) -> None:
    ada = await _with_user(adapters)
    old, new = Export.requested(id=_id(), owner_id=ada.id, now=T0), Export.requested(id=_id(), owner_id=ada.id, now=T0)
    old.start(chatrooms=3)
    old.finish(size_bytes=10, now=T0 + timedelta(minutes=1))
    async with adapters.uow()() as uow:
        await uow.exports.add(old)
        await uow.exports.add(new)
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.exports.get(old.id) == old
        assert await uow.exports.get_owned(old.id, _id()) is None
        assert (await uow.exports.unfinished_of(ada.id)).id == new.id  # type: ignore[union-attr]
        # Given "now less a day": one finished before it, or never finished and asked for before it.
        assert await uow.exports.list_expired(T0, limit=10) == []
        assert [e.id for e in await uow.exports.list_expired(T0 + timedelta(seconds=30), limit=10)] == [new.id]
        later = await uow.exports.list_expired(T0 + timedelta(minutes=2), limit=10)
        assert sorted(e.id for e in later) == sorted([old.id, new.id])


def _menu(owner: User) -> Upload:
    return Upload(
        id=_id(), owner_id=owner.id, filename="menu.pdf", kind=UploadKind.PDF, mime_type="application/pdf",
        size_bytes=10, sha256="1" * 64, created_at=T0, pages=3,
    )  # fmt: skip


async def test_a_message_s_files_come_back_by_every_read_of_it(adapters: Container) -> None:
    ada = await _with_user(adapters)
    (room,) = await _rooms(adapters, ada, 1)
    upload = _menu(ada)
    asked = Message.from_user(
        id=_id(), chatroom_id=room.id, content="What is cheap?", now=T0, attachments=(upload.as_attachment(),)
    )
    reply = Message.pending_reply(id=_id(), to=asked, now=T0 + timedelta(seconds=1))
    async with adapters.uow()() as uow:
        await uow.uploads.add(upload)
        for message in (asked, reply):
            await uow.messages.add(message)
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.messages.get(asked.id) == asked
        assert await uow.messages.list_branch(room.id, leaf_id=reply.id, limit=None) == [reply, asked]
        page = await uow.messages.page_of_branch(room.id, leaf_id=reply.id, limit=10)
        assert [placed.message for placed in page] == [reply, asked]
        context = await uow.messages.context_before(room.id, leaf_id=reply.id, limit=10, characters=1000)
        assert [m.attachments for m in context] == [(), asked.attachments]


@pytest.mark.parametrize("exchanges", [1, 30], ids=["a send's two", "a copied conversation's sixty"])
async def test_messages_added_together_come_back_as_they_were_or_not_at_all(
    adapters: Container, exchanges: int
) -> None:
    """A send adds its question and reply in one round trip, a copy of a conversation in
    batches: either way every message, files and all, or none of them."""
    ada = await _with_user(adapters)
    (room,) = await _rooms(adapters, ada, 1)
    upload = _menu(ada)
    messages: list[Message] = []
    for i in range(exchanges):
        asked = Message.from_user(
            id=_id(),
            chatroom_id=room.id,
            content=f"question {i}",
            now=T0 + timedelta(seconds=2 * i),
            after=messages[-1] if messages else None,
            attachments=(upload.as_attachment(),) if i == exchanges - 1 else (),
        )
        messages += [asked, Message.pending_reply(id=_id(), to=asked, now=T0 + timedelta(seconds=2 * i + 1))]
    async with adapters.uow()() as uow:
        await uow.uploads.add(upload)
        await uow.commit()
    async with adapters.uow()() as uow:
        with pytest.raises(Conflict):
            await uow.messages.add_all([*messages, replace(messages[-1], content="the same id again")])
    async with adapters.uow()() as uow:
        assert await uow.messages.get(messages[0].id) is None
        await uow.messages.add_all(messages)
        await uow.commit()
    async with adapters.uow()() as uow:
        assert await uow.messages.list_branch(room.id, leaf_id=messages[-1].id, limit=None) == messages[::-1]
