from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest

from application.ports.services import LanguageModelError, ReplyEvent, ReplyEventKind
from application.use_cases.authenticate import Principal
from application.use_cases.change_password import ChangePasswordCommand
from application.use_cases.create_chatroom import CreateChatroomCommand
from application.use_cases.delete_account import DeleteAccountCommand
from application.use_cases.forgot_password import ForgotPasswordCommand
from application.use_cases.generate_reply import GenerateReplyCommand, ReplyDeferred
from application.use_cases.get_message import GetMessageCommand
from application.use_cases.handle_payment_event import HandlePaymentEventCommand, PaymentEventOutcome
from application.use_cases.list_chatrooms import ListChatroomsCommand
from application.use_cases.log_in import LogInCommand
from application.use_cases.refresh_tokens import RefreshTokensCommand
from application.use_cases.reset_password import ResetPasswordCommand
from application.use_cases.send_confirmation_code import SendConfirmationCodeCommand
from application.use_cases.send_message import SendMessageCommand
from application.use_cases.send_otp import SendOtpCommand
from application.use_cases.stream_reply import StreamItemKind, StreamReplyCommand
from application.use_cases.verify_otp import VerifyOtpCommand
from domain.chat import MessageRole, MessageStatus
from domain.errors import (
    Conflict,
    DailyLimitReached,
    DependencyUnavailable,
    InvalidCredentials,
    InvalidOtp,
    InvalidSignature,
    TooManyAttempts,
    Unauthenticated,
)
from domain.subscriptions import SubscriptionStatus
from domain.users import Tier
from entrypoints.container import Container
from tests.support import ManualJobQueue, MutableClock
from tests.unit.helpers import NUMBER, set_tier, sign_in, sign_up

# Signing in


async def test_signing_in_with_a_code_creates_the_user_once(container: Container) -> None:
    first, _ = await sign_in(container)
    second, _ = await sign_in(container)
    assert first.user_id == second.user_id
    assert first.session_id != second.session_id


async def test_a_wrong_code_fails_and_a_new_code_voids_the_old_one(container: Container) -> None:
    old = await container.send_otp().execute(SendOtpCommand(mobile_number=NUMBER))
    wrong = "000000" if old.otp != "000000" else "111111"
    with pytest.raises(InvalidOtp):
        await container.verify_otp().execute(VerifyOtpCommand(mobile_number=NUMBER, otp=wrong))
    new = await container.send_otp().execute(SendOtpCommand(mobile_number=NUMBER))
    if old.otp != new.otp:
        with pytest.raises(InvalidOtp):
            await container.verify_otp().execute(VerifyOtpCommand(mobile_number=NUMBER, otp=old.otp or ""))
    await container.verify_otp().execute(VerifyOtpCommand(mobile_number=NUMBER, otp=new.otp or ""))


async def test_five_wrong_codes_kill_the_code(container: Container) -> None:
    sent = await container.send_otp().execute(SendOtpCommand(mobile_number=NUMBER))
    wrong = "000000" if sent.otp != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(InvalidOtp):
            await container.verify_otp().execute(VerifyOtpCommand(mobile_number=NUMBER, otp=wrong))
    with pytest.raises(InvalidOtp):
        await container.verify_otp().execute(VerifyOtpCommand(mobile_number=NUMBER, otp=sent.otp or ""))


async def test_codes_expire(container: Container, clock: MutableClock) -> None:
    sent = await container.send_otp().execute(SendOtpCommand(mobile_number=NUMBER))
    clock.advance(seconds=301)
    with pytest.raises(InvalidOtp):
        await container.verify_otp().execute(VerifyOtpCommand(mobile_number=NUMBER, otp=sent.otp or ""))


async def test_sends_are_throttled_per_number_with_a_retry_after(container: Container, clock: MutableClock) -> None:
    for _ in range(5):
        await container.send_otp().execute(SendOtpCommand(mobile_number=NUMBER))
    with pytest.raises(TooManyAttempts) as caught:
        await container.send_otp().execute(SendOtpCommand(mobile_number=NUMBER))
    assert 0 < caught.value.retry_after_seconds <= 15 * 60
    await container.send_otp().execute(SendOtpCommand(mobile_number="+14155550100"))
    clock.advance(minutes=16)
    await container.send_otp().execute(SendOtpCommand(mobile_number=NUMBER))


async def test_password_login_gives_one_answer_for_every_kind_of_failure(container: Container) -> None:
    await sign_up(container, NUMBER, "long enough pw")
    await sign_in(container, "+14155550100")  # registered, but without a password
    failures = [(NUMBER, "wrong password"), ("+14155550100", "anything at all"), ("+447700900123", "unknown number")]
    messages = set()
    for number, password in failures:
        with pytest.raises(InvalidCredentials) as caught:
            await container.log_in().execute(LogInCommand(mobile_number=number, password=password))
        messages.add(caught.value.message)
    assert len(messages) == 1
    signed_in = await container.log_in().execute(LogInCommand(mobile_number=NUMBER, password="long enough pw"))
    assert signed_in.user.mobile_number.value == NUMBER


async def test_refresh_rotates_and_a_replayed_refresh_token_ends_the_session(container: Container) -> None:
    _, signed_in = await sign_in(container)
    refreshed = await container.refresh_tokens().execute(
        RefreshTokensCommand(refresh_token=signed_in.tokens.refresh_token)
    )
    with pytest.raises(Unauthenticated):
        await container.refresh_tokens().execute(RefreshTokensCommand(refresh_token=signed_in.tokens.refresh_token))
    # The replay revoked the session: the thief's and the owner's tokens are both dead.
    with pytest.raises(Unauthenticated):
        await container.authenticate().execute(refreshed.tokens.access_token)


async def test_logout_ends_the_session_at_once(container: Container) -> None:
    principal, signed_in = await sign_in(container)
    await container.log_out().execute(principal)
    with pytest.raises(Unauthenticated):
        await container.authenticate().execute(signed_in.tokens.access_token)
    with pytest.raises(Unauthenticated):
        await container.refresh_tokens().execute(RefreshTokensCommand(refresh_token=signed_in.tokens.refresh_token))


async def test_changing_the_password_ends_other_sessions_but_not_this_device(container: Container) -> None:
    principal, first = await sign_in(container)
    _, other_device = await sign_in(container)
    code = await container.send_confirmation_code().execute(SendConfirmationCodeCommand(principal=principal))
    changed = await container.change_password().execute(
        ChangePasswordCommand(principal=principal, new_password="a new password", otp=code.otp)
    )
    for old_token in (first.tokens.access_token, other_device.tokens.access_token):
        with pytest.raises(Unauthenticated):
            await container.authenticate().execute(old_token)
    await container.authenticate().execute(changed.tokens.access_token)
    with pytest.raises(InvalidCredentials):
        await container.change_password().execute(
            ChangePasswordCommand(
                principal=await container.authenticate().execute(changed.tokens.access_token),
                old_password="not it at all",
                new_password="another password",
            )
        )


async def test_resetting_the_password_with_a_code_ends_every_session(container: Container) -> None:
    _, signed_in = await sign_in(container)
    sent = await container.forgot_password().execute(ForgotPasswordCommand(mobile_number=NUMBER))
    await container.reset_password().execute(
        ResetPasswordCommand(mobile_number=NUMBER, otp=sent.otp or "", new_password="brand new password")
    )
    with pytest.raises(Unauthenticated):
        await container.authenticate().execute(signed_in.tokens.access_token)
    await container.log_in().execute(LogInCommand(mobile_number=NUMBER, password="brand new password"))


async def test_a_login_code_cannot_reset_a_password(container: Container) -> None:
    await sign_in(container)
    sent = await container.send_otp().execute(SendOtpCommand(mobile_number=NUMBER))
    with pytest.raises(InvalidOtp):
        await container.reset_password().execute(
            ResetPasswordCommand(mobile_number=NUMBER, otp=sent.otp or "", new_password="brand new password")
        )


async def test_forgot_password_answers_unknown_numbers_like_known_ones(container: Container) -> None:
    await sign_in(container)
    known = await container.forgot_password().execute(ForgotPasswordCommand(mobile_number=NUMBER))
    unknown = await container.forgot_password().execute(ForgotPasswordCommand(mobile_number="+447700900123"))
    assert (known.message, known.expires_in) == (unknown.message, unknown.expires_in)
    with pytest.raises(InvalidOtp):
        await container.reset_password().execute(
            ResetPasswordCommand(mobile_number="+447700900123", otp=unknown.otp or "", new_password="whatever pw")
        )


# Messages and replies


async def _room(container: Container, principal: Principal, title: str | None = None) -> str:
    room = await container.create_chatroom().execute(CreateChatroomCommand(principal=principal, title=title))
    return room.id


async def test_a_sent_message_is_answered_and_the_untitled_room_gets_a_title(
    container: Container, manual_queue: ManualJobQueue
) -> None:
    principal, _ = await sign_in(container)
    room_id = await _room(container, principal)
    sent = await container.send_message().execute(
        SendMessageCommand(principal=principal, chatroom_id=room_id, content="  plan a trip to goa  ")
    )
    assert sent.message.message.content == "plan a trip to goa"
    assert sent.reply.message.status is MessageStatus.PENDING
    assert [job.reply_id for job in manual_queue.jobs] == [sent.reply.message.id]
    await container.generate_reply().execute(GenerateReplyCommand(reply_id=sent.reply.message.id))
    reply = (
        await container.get_message().execute(
            GetMessageCommand(principal=principal, chatroom_id=room_id, message_id=sent.reply.message.id)
        )
    ).message
    assert reply.status is MessageStatus.COMPLETED
    assert "plan a trip to goa" in reply.content
    assert reply.usage is not None and reply.usage.response_tokens > 0
    rooms = await container.list_chatrooms().execute(ListChatroomsCommand(principal=principal))
    assert rooms.items[0].title == "Plan a trip to goa"


async def test_generating_a_reply_twice_answers_it_once(container: Container, manual_queue: ManualJobQueue) -> None:
    principal, _ = await sign_in(container)
    room_id = await _room(container, principal)
    sent = await container.send_message().execute(
        SendMessageCommand(principal=principal, chatroom_id=room_id, content="hello")
    )
    model = container.services.fake_model()
    await asyncio.gather(
        *(container.generate_reply().execute(GenerateReplyCommand(reply_id=sent.reply.message.id)) for _ in range(3))
    )
    await container.generate_reply().execute(GenerateReplyCommand(reply_id=sent.reply.message.id))
    reply = (
        await container.get_message().execute(
            GetMessageCommand(principal=principal, chatroom_id=room_id, message_id=sent.reply.message.id)
        )
    ).message
    assert reply.status is MessageStatus.COMPLETED
    assert reply.content == model.reply_to(model.calls[-1], model.prompts[-1].model)


async def test_a_transient_model_error_defers_and_a_final_one_fails_and_gives_the_message_back(
    container: Container, manual_queue: ManualJobQueue
) -> None:
    principal, _ = await sign_in(container)
    room_id = await _room(container, principal)
    sent = await container.send_message().execute(
        SendMessageCommand(principal=principal, chatroom_id=room_id, content="hello")
    )
    model = container.services.fake_model()
    model.fail_next(LanguageModelError("busy", transient=True, kind="overloaded", retry_after=7), times=2)
    with pytest.raises(ReplyDeferred) as deferred:
        await container.generate_reply().execute(
            GenerateReplyCommand(reply_id=sent.reply.message.id, final_attempt=False)
        )
    assert deferred.value.retry_after == 7
    assert (await container.get_usage().execute(principal)).used == 1
    await container.generate_reply().execute(GenerateReplyCommand(reply_id=sent.reply.message.id, final_attempt=True))
    reply = (
        await container.get_message().execute(
            GetMessageCommand(principal=principal, chatroom_id=room_id, message_id=sent.reply.message.id)
        )
    ).message
    assert reply.status is MessageStatus.FAILED and reply.error == "busy"
    assert (await container.get_usage().execute(principal)).used == 0


async def test_the_model_sees_the_conversation_without_failed_exchanges(
    container: Container, manual_queue: ManualJobQueue
) -> None:
    principal, _ = await sign_in(container)
    room_id = await _room(container, principal, "t")
    model = container.services.fake_model()

    async def exchange(text: str, fail: bool = False) -> None:
        sent = await container.send_message().execute(
            SendMessageCommand(principal=principal, chatroom_id=room_id, content=text)
        )
        if fail:
            model.fail_next(LanguageModelError("no", transient=False, kind="refused"))
        await container.generate_reply().execute(GenerateReplyCommand(reply_id=sent.reply.message.id))

    await exchange("first")
    await exchange("second", fail=True)
    await exchange("third")
    seen = model.calls[-1]
    assert [t.text for t in seen if t.role is MessageRole.USER] == ["first", "third"]
    assert [t.role for t in seen] == [MessageRole.USER, MessageRole.MODEL, MessageRole.USER]


async def test_the_sixth_message_of_the_day_is_refused_until_midnight(
    container: Container, manual_queue: ManualJobQueue, clock: MutableClock
) -> None:
    principal, _ = await sign_in(container)
    room_id = await _room(container, principal)
    for _ in range(5):
        await container.send_message().execute(
            SendMessageCommand(principal=principal, chatroom_id=room_id, content="x")
        )
    with pytest.raises(DailyLimitReached) as caught:
        await container.send_message().execute(
            SendMessageCommand(principal=principal, chatroom_id=room_id, content="x")
        )
    assert caught.value.retry_after_seconds == 14 * 3600  # the clock says 10:00 UTC
    await set_tier(container, principal.user_id, Tier.PRO)
    await container.send_message().execute(SendMessageCommand(principal=principal, chatroom_id=room_id, content="x"))


async def test_an_idempotency_key_makes_a_retry_return_the_first_result(
    container: Container, manual_queue: ManualJobQueue
) -> None:
    principal, _ = await sign_in(container)
    room_id = await _room(container, principal)
    command = SendMessageCommand(principal=principal, chatroom_id=room_id, content="once", idempotency_key="k-1")
    results = await asyncio.gather(*(container.send_message().execute(command) for _ in range(4)))
    assert len({r.reply.message.id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert len(manual_queue.jobs) == 1
    assert (await container.get_usage().execute(principal)).used == 1
    other_room = await _room(container, principal)
    with pytest.raises(Conflict):
        await container.send_message().execute(
            SendMessageCommand(principal=principal, chatroom_id=other_room, content="once", idempotency_key="k-1")
        )


async def test_a_failed_use_case_leaves_no_partial_writes(container: Container, manual_queue: ManualJobQueue) -> None:
    principal, _ = await sign_in(container)
    room_id = await _room(container, principal)
    for _ in range(5):
        await container.send_message().execute(
            SendMessageCommand(principal=principal, chatroom_id=room_id, content="x")
        )
    async with container.uow()() as uow:
        before = await _message_count(uow, room_id)
    with pytest.raises(DailyLimitReached):
        await container.send_message().execute(
            SendMessageCommand(principal=principal, chatroom_id=room_id, content="y")
        )
    async with container.uow()() as uow:
        assert await _message_count(uow, room_id) == before
        await uow.quota.give_back(principal.user_id, container.services.clock().now().date())
        # Leaving without commit: the give-back is thrown away.
    assert (await container.get_usage().execute(principal)).used == 5


# Streaming


async def _collect(container: Container, principal: Principal, room_id: str, reply_id: str, last: str | None = None):  # type: ignore[no-untyped-def]
    stream = await container.stream_reply().execute(
        StreamReplyCommand(principal=principal, chatroom_id=room_id, message_id=reply_id, last_event_id=last)
    )
    return [item async for item in stream]


async def test_a_live_stream_relays_every_chunk_then_done(container: Container, manual_queue: ManualJobQueue) -> None:
    principal, _ = await sign_in(container)
    room_id = await _room(container, principal)
    sent = await container.send_message().execute(
        SendMessageCommand(principal=principal, chatroom_id=room_id, content="stream me")
    )
    reader = asyncio.create_task(_collect(container, principal, room_id, sent.reply.message.id))
    await asyncio.sleep(0)
    await container.generate_reply().execute(GenerateReplyCommand(reply_id=sent.reply.message.id))
    items = [i for i in await reader if i.kind is not StreamItemKind.HEARTBEAT]
    chunks = [i.text for i in items if i.kind is StreamItemKind.CHUNK]
    assert len(chunks) == 6
    assert items[-1].kind is StreamItemKind.DONE and items[-1].message is not None
    assert "".join(chunks) == items[-1].message.message.content


async def test_resuming_from_any_event_gives_exactly_the_rest(
    container: Container, manual_queue: ManualJobQueue
) -> None:
    principal, _ = await sign_in(container)
    room_id = await _room(container, principal)
    sent = await container.send_message().execute(
        SendMessageCommand(principal=principal, chatroom_id=room_id, content="resume me")
    )
    await container.generate_reply().execute(GenerateReplyCommand(reply_id=sent.reply.message.id))
    full = await _collect(container, principal, room_id, sent.reply.message.id)
    text = full[-1].message.message.content  # type: ignore[union-attr]
    for item in full[:-1]:
        rest = await _collect(container, principal, room_id, sent.reply.message.id, last=item.id)
        got = "".join(i.text for i in rest if i.kind is StreamItemKind.CHUNK)
        seen = text[: int((item.id or "0.0").split(".")[1])]
        assert seen + got == text
        assert rest[-1].kind is StreamItemKind.DONE


async def test_a_restarted_generation_tells_the_reader_to_reset(
    container: Container, manual_queue: ManualJobQueue
) -> None:
    principal, _ = await sign_in(container)
    room_id = await _room(container, principal)
    sent = await container.send_message().execute(
        SendMessageCommand(principal=principal, chatroom_id=room_id, content="restart")
    )
    events = container.adapters.reply_events()
    # A first worker wrote two pieces, then died; the reader saw them.
    await events.publish(sent.reply.message.id, ReplyEvent(kind=ReplyEventKind.CHUNK, attempt=1, offset=3, text="abc"))
    async with container.uow()() as uow:
        reply = await uow.messages.get(sent.reply.message.id)
        assert reply is not None
        reply.start_generation(now=container.services.clock().now(), lease=timedelta(minutes=3))
        await uow.messages.update(reply)
        await uow.commit()
    # It is leased until the first worker's lease runs out; then a second worker takes over.
    await container.generate_reply().execute(GenerateReplyCommand(reply_id=sent.reply.message.id))
    assert not (
        (
            await container.get_message().execute(
                GetMessageCommand(principal=principal, chatroom_id=room_id, message_id=sent.reply.message.id)
            )
        ).message
    ).is_finished
    container.services.clock().advance(minutes=4)
    await container.generate_reply().execute(GenerateReplyCommand(reply_id=sent.reply.message.id))
    items = await _collect(container, principal, room_id, sent.reply.message.id, last="1.3")
    kinds = [i.kind for i in items]
    assert kinds[0] is StreamItemKind.RESET
    assert kinds[-1] is StreamItemKind.DONE
    assert "".join(i.text for i in items if i.kind is StreamItemKind.CHUNK) == items[-1].message.message.content  # type: ignore[union-attr]


# Payments


async def test_checkout_events_make_the_user_pro_once_and_cancellation_makes_them_basic(
    container: Container, manual_queue: ManualJobQueue
) -> None:
    principal, _ = await sign_in(container)
    session = await container.upgrade_to_pro().execute(principal)
    gateway = container.services.payments()
    deliveries = gateway.complete_checkout(session.session_id)
    handle = container.handle_payment_event()
    outcomes = await asyncio.gather(
        *(handle.execute(HandlePaymentEventCommand(payload=d.payload, signature=d.signature)) for d in deliveries * 5)
    )
    assert outcomes.count(PaymentEventOutcome.APPLIED) == len(deliveries)
    assert outcomes.count(PaymentEventOutcome.DUPLICATE) == 4 * len(deliveries)
    status = await container.get_subscription_status().execute(principal)
    assert status.tier is Tier.PRO and status.status == "active"
    with pytest.raises(Conflict):
        await container.upgrade_to_pro().execute(principal)
    subscription_id = json.loads(deliveries[1].payload)["subscription_id"]
    cancel = gateway.change_subscription(subscription_id, status=SubscriptionStatus.CANCELED)
    await handle.execute(HandlePaymentEventCommand(payload=cancel.payload, signature=cancel.signature))
    assert (await container.get_subscription_status().execute(principal)).tier is Tier.BASIC


async def test_a_tampered_or_unsigned_event_is_refused(container: Container) -> None:
    principal, _ = await sign_in(container)
    session = await container.upgrade_to_pro().execute(principal)
    delivery = container.services.payments().complete_checkout(session.session_id)[1]
    handle = container.handle_payment_event()
    tampered = delivery.payload.replace(b"active", b"activf")
    for payload, signature in [
        (tampered, delivery.signature),
        (delivery.payload, None),
        (delivery.payload, "t=1,v1=00"),
    ]:
        with pytest.raises(InvalidSignature):
            await handle.execute(HandlePaymentEventCommand(payload=payload, signature=signature))
    assert (await container.get_subscription_status().execute(principal)).tier is Tier.BASIC


async def test_the_sweeper_requeues_replies_nobody_is_writing(
    container: Container, manual_queue: ManualJobQueue, clock: MutableClock
) -> None:
    principal, _ = await sign_in(container)
    room_id = await _room(container, principal)
    never_queued = await container.send_message().execute(
        SendMessageCommand(principal=principal, chatroom_id=room_id, content="lost")
    )
    abandoned = await container.send_message().execute(
        SendMessageCommand(principal=principal, chatroom_id=room_id, content="worker died")
    )
    async with container.uow()() as uow:
        reply = await uow.messages.get(abandoned.reply.message.id)
        assert reply is not None
        reply.start_generation(now=clock.now(), lease=timedelta(minutes=3))
        await uow.messages.update(reply)
        await uow.commit()
    manual_queue.jobs.clear()
    assert await container.requeue_stalled_replies().execute() == 0  # too fresh, and leased
    clock.advance(minutes=1)
    assert [job.reply_id for job in manual_queue.jobs] == []
    await container.requeue_stalled_replies().execute()
    assert [job.reply_id for job in manual_queue.jobs] == [never_queued.reply.message.id]
    clock.advance(minutes=3)
    manual_queue.jobs.clear()
    await container.requeue_stalled_replies().execute()
    assert [job.reply_id for job in manual_queue.jobs] == [never_queued.reply.message.id, abandoned.reply.message.id]
    for job in manual_queue.jobs:
        await container.generate_reply().execute(GenerateReplyCommand(reply_id=job.reply_id))
    manual_queue.jobs.clear()
    assert await container.requeue_stalled_replies().execute() == 0


async def test_replies_and_model_errors_are_reported_to_telemetry(
    container: Container, manual_queue: ManualJobQueue
) -> None:
    from dependency_injector import providers

    from adapters.memory.telemetry import RecordingTelemetry

    telemetry = RecordingTelemetry()
    container.services.telemetry.override(providers.Object(telemetry))
    principal, _ = await sign_in(container)
    room_id = await _room(container, principal)
    ok = await container.send_message().execute(
        SendMessageCommand(principal=principal, chatroom_id=room_id, content="a")
    )
    await container.generate_reply().execute(GenerateReplyCommand(reply_id=ok.reply.message.id))
    bad = await container.send_message().execute(
        SendMessageCommand(principal=principal, chatroom_id=room_id, content="b")
    )
    container.services.fake_model().fail_next(LanguageModelError("no", transient=False, kind="refused"))
    await container.generate_reply().execute(GenerateReplyCommand(reply_id=bad.reply.message.id))
    (done, seconds, first_chunk, usage), (failed, *_) = telemetry.replies
    assert (done, failed) == ("completed", "failed")
    assert first_chunk is not None and 0 <= first_chunk <= seconds and usage is not None
    assert telemetry.model_errors == {"refused": 1}


async def test_a_failed_reply_can_be_retried_by_an_operator_and_is_answered(
    container: Container, manual_queue: ManualJobQueue, clock: MutableClock
) -> None:
    principal, _ = await sign_in(container)
    room_id = await _room(container, principal)
    sent = await container.send_message().execute(
        SendMessageCommand(principal=principal, chatroom_id=room_id, content="q")
    )
    container.services.fake_model().fail_next(LanguageModelError("down", transient=False, kind="server_error"))
    await container.generate_reply().execute(GenerateReplyCommand(reply_id=sent.reply.message.id))
    manual_queue.jobs.clear()
    assert await container.retry_failed_replies().execute(timedelta(hours=1)) == [sent.reply.message.id]
    assert [job.reply_id for job in manual_queue.jobs] == [sent.reply.message.id]
    await container.generate_reply().execute(GenerateReplyCommand(reply_id=sent.reply.message.id))
    reply = (
        await container.get_message().execute(
            GetMessageCommand(principal=principal, chatroom_id=room_id, message_id=sent.reply.message.id)
        )
    ).message
    assert reply.status is MessageStatus.COMPLETED and reply.error is None
    clock.advance(hours=2)
    assert await container.retry_failed_replies().execute(timedelta(hours=1)) == []


async def _message_count(uow: Any, room_id: str) -> int:
    room = await uow.chatrooms.get(room_id)
    if room is None or room.active_leaf_id is None:
        return 0
    return len(await uow.messages.list_branch(room_id, leaf_id=room.active_leaf_id, limit=None))


async def test_an_account_is_not_deleted_while_its_subscription_cannot_be_cancelled(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    principal, _ = await sign_in(container)
    session = await container.upgrade_to_pro().execute(principal)
    await container.complete_test_checkout().execute(session.session_id)
    payments = container.services.payments()

    async def unreachable(subscription_id: str) -> None:
        raise DependencyUnavailable("Payments are unavailable right now. Please try again.")

    monkeypatch.setattr(payments, "cancel_subscription", unreachable)
    sent = await container.send_confirmation_code().execute(SendConfirmationCodeCommand(principal=principal))
    assert sent.otp is not None
    command = DeleteAccountCommand(principal=principal, otp=sent.otp)
    with pytest.raises(DependencyUnavailable):
        await container.delete_account().execute(command)
    assert (await container.get_profile().execute(principal)).tier is Tier.PRO  # nothing went
    monkeypatch.undo()
    await container.delete_account().execute(command)  # the same code, once Stripe answers
    async with container.uow()() as uow:
        assert await uow.users.get(principal.user_id) is None
        [subscription] = payments._subscriptions.values()
    assert subscription.snapshot.status is SubscriptionStatus.CANCELED
