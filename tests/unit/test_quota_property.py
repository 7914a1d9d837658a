"""Any interleaving of sends, reply failures and completions, day changes and tier
changes: a Basic user never gets more than the limit a day, a Pro user is never
blocked, and a reply that fails for good gives its message back."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from dependency_injector import providers
from hypothesis import given, settings
from hypothesis import strategies as st

from application.ports.services import LanguageModelError
from application.use_cases.create_chatroom import CreateChatroomCommand
from application.use_cases.generate_reply import GenerateReplyCommand
from application.use_cases.send_message import SendMessageCommand
from domain.errors import DailyLimitReached, TooManyRequests
from domain.quota import usage_day
from domain.users import Tier
from tests.support import ManualJobQueue, MutableClock, make_container, make_settings
from tests.unit.helpers import set_tier, sign_in

LIMIT = 5
IN_FLIGHT = make_settings().replies_in_flight_per_user
OPERATIONS = st.lists(
    st.sampled_from(["send", "send", "send", "fail_reply", "complete_reply", "next_day", "to_pro", "to_basic"]),
    max_size=40,
)


@settings(max_examples=75, deadline=None)
@given(OPERATIONS)
def test_quota_holds_for_any_interleaving(operations: list[str]) -> None:
    asyncio.run(_run(operations))


async def _run(operations: list[str]) -> None:
    clock = MutableClock()
    container = make_container(clock)
    container.adapters.job_queue.override(providers.Object(ManualJobQueue()))
    model = container.services.fake_model()
    principal, _ = await sign_in(container)
    room = await container.create_chatroom().execute(CreateChatroomCommand(principal=principal, title="t"))
    counted: dict[object, int] = defaultdict(int)
    pending: list[tuple[str, object]] = []
    tier = Tier.BASIC
    for operation in operations:
        day = usage_day(clock.now())
        if operation == "send":
            try:
                result = await container.send_message().execute(
                    SendMessageCommand(principal=principal, chatroom_id=room.id, content="hi")
                )
            except DailyLimitReached:
                assert tier is Tier.BASIC and counted[day] >= LIMIT
                continue
            except TooManyRequests:
                # The brake on replies in flight (a Pro user sending faster than replies are written).
                assert len(pending) >= IN_FLIGHT
                continue
            assert tier is Tier.PRO or counted[day] < LIMIT
            counted[day] += 1
            pending.append((result.reply.message.id, day))
        elif operation in ("fail_reply", "complete_reply") and pending:
            reply_id, sent_on = pending.pop(0)
            if operation == "fail_reply":
                model.fail_next(LanguageModelError("declined", transient=False, kind="refused"))
                counted[sent_on] -= 1
            await container.generate_reply().execute(GenerateReplyCommand(reply_id=reply_id))
        elif operation == "next_day":
            clock.advance(days=1)
        elif operation in ("to_pro", "to_basic"):
            tier = Tier.PRO if operation == "to_pro" else Tier.BASIC
            await set_tier(container, principal.user_id, tier)
    usage = await container.get_usage().execute(principal)
    assert usage.used == counted[usage_day(clock.now())]
