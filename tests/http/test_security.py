"""The holes a security review found, each attacked over HTTP the way a stranger would
(README, "Keys and sessions"). Every test here failed before its fix."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from dependency_injector import providers
from litestar.testing import AsyncTestClient

from adapters.memory.payments import sign
from application.ports.services import LanguageModelError
from application.services.sign_in import open_session
from application.use_cases.generate_reply import GenerateReplyCommand
from devstack.services import free_port
from domain.subscriptions import SubscriptionStatus
from domain.users import MobileNumber, Tier, User
from entrypoints.asgi import build_app
from entrypoints.container import Container
from tests.fakes.background import BackgroundServer
from tests.fakes.sms_server import ACCOUNT_SID, AUTH_TOKEN, WEBHOOK_SECRET, SmsGateway, background_sms
from tests.http.conftest import Api
from tests.support import ManualJobQueue, MutableClock, Phones, make_container, make_settings, production_settings

VICTIM = "+447700900001"
OTHER = "+447700900002"
ATTACKER_PASSWORD = "the attacker's own password"
OWNER_PASSWORD = "the owner's own password"


@pytest.fixture
def phones(container: Container) -> Phones:
    phones = Phones()
    container.services.otp_sender.override(providers.Object(phones))
    return phones


async def _start_sign_up(api: Api, number: str, password: str) -> dict[str, Any]:
    started = await api.request("POST", "/auth/signup", json={"mobile_number": number, "password": password})
    assert started.status_code == 202, started.text
    return dict(started.json())


async def _login(api: Api, number: str, password: str) -> Any:
    return await api.request("POST", "/auth/login", json={"mobile_number": number, "password": password})


# 1. Pre-account hijack


async def test_a_sign_up_nobody_finished_gives_its_password_no_power(api: Api, phones: Phones) -> None:
    await _start_sign_up(api, VICTIM, ATTACKER_PASSWORD)  # a stranger signs the victim's number up
    owner = await api.sign_in(VICTIM)  # later the owner signs in with a code from their phone
    room = await api.chatroom(owner, "private plans")
    stolen = await _login(api, VICTIM, ATTACKER_PASSWORD)
    assert stolen.status_code == 401 and stolen.json()["error"]["code"] == "INVALID_CREDENTIALS"
    me = (await api.request("GET", "/user/me", owner)).json()
    assert me["has_password"] is False
    assert (await api.request("GET", f"/chatroom/{room}", owner)).status_code == 200


async def test_only_the_client_that_started_a_sign_up_can_finish_it(api: Api, phones: Phones) -> None:
    owners = await _start_sign_up(api, VICTIM, OWNER_PASSWORD)
    strangers = await _start_sign_up(api, VICTIM, ATTACKER_PASSWORD)  # a new code goes to the owner's phone
    on_the_phone = phones.last_to(VICTIM).code
    # The owner types the newest code on their phone into their own sign-up: it is the
    # stranger's sign-up that code belongs to, so nothing is created with either password.
    refused = await api.request(
        "POST",
        "/auth/verify-signup",
        json={"mobile_number": VICTIM, "otp": on_the_phone, "signup_token": owners["signup_token"]},
    )
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "INVALID_OTP"
    # The stranger has its token but not the phone: it can only guess.
    guess = "000000" if on_the_phone != "000000" else "111111"
    guessed = await api.request(
        "POST",
        "/auth/verify-signup",
        json={"mobile_number": VICTIM, "otp": guess, "signup_token": strangers["signup_token"]},
    )
    assert guessed.status_code == 401
    for password in (OWNER_PASSWORD, ATTACKER_PASSWORD):
        assert (await _login(api, VICTIM, password)).status_code == 401
    # The owner starts again and finishes: their password, and only theirs, opens the account.
    await api.sign_up(VICTIM, OWNER_PASSWORD)
    assert (await _login(api, VICTIM, OWNER_PASSWORD)).status_code == 200
    assert (await _login(api, VICTIM, ATTACKER_PASSWORD)).status_code == 401


async def test_an_unproven_account_opens_only_by_code_which_drops_its_password(api: Api, container: Container) -> None:
    """An account the old sign-up left behind: a password, and nobody ever proved the number.
    The stranger who made it may even hold a session from then."""
    clock = container.services.clock()
    async with container.uow()() as uow:
        user = User(
            id=container.services.ids().new_id(),
            mobile_number=MobileNumber(VICTIM),
            name=None,
            tier=Tier.BASIC,
            password_hash=await container.services.passwords().hash(ATTACKER_PASSWORD),
            created_at=clock.now(),
        )
        await uow.users.add(user)
        strangers_session = await open_session(
            uow, tokens=container.services.tokens(), ids=container.services.ids(), user=user, now=clock.now()
        )
        await uow.commit()
    assert (await _login(api, VICTIM, ATTACKER_PASSWORD)).status_code == 401
    sent = await api.request("POST", "/auth/send-otp", json={"mobile_number": VICTIM})
    signed_in = await api.request("POST", "/auth/verify-otp", json={"mobile_number": VICTIM, "otp": sent.json()["otp"]})
    assert signed_in.status_code == 200
    assert [n["code"] for n in signed_in.json()["notices"]] == ["PASSWORD_REMOVED"]
    assert signed_in.json()["user"]["has_password"] is False
    assert (await api.request("GET", "/user/me", strangers_session.tokens.access_token)).status_code == 401
    assert (await _login(api, VICTIM, ATTACKER_PASSWORD)).status_code == 401
    # Once proven, a later code sign-in changes nothing and says nothing.
    again = await api.request("POST", "/auth/send-otp", json={"mobile_number": VICTIM})
    quiet = await api.request("POST", "/auth/verify-otp", json={"mobile_number": VICTIM, "otp": again.json()["otp"]})
    assert quiet.json()["notices"] == []


# 2. Sign-up enumeration


async def test_sign_up_answers_every_number_alike_and_tells_only_the_phone(api: Api, phones: Phones) -> None:
    await api.sign_up(VICTIM, OWNER_PASSWORD)
    registered = await api.request("POST", "/auth/signup", json={"mobile_number": VICTIM, "password": "probing 123"})
    unknown = await api.request("POST", "/auth/signup", json={"mobile_number": OTHER, "password": "probing 123"})
    assert registered.status_code == unknown.status_code == 202
    secret = {"otp", "signup_token"}
    assert registered.json().keys() == unknown.json().keys()
    assert {k: v for k, v in registered.json().items() if k not in secret} == {
        k: v for k, v in unknown.json().items() if k not in secret
    }
    assert "already has an account" in phones.last_to(VICTIM).text
    assert "finish signing up" in phones.last_to(OTHER).text
    # The holder of the registered phone may finish: it signs them in, password unchanged.
    finished = await api.request(
        "POST",
        "/auth/verify-signup",
        json={
            "mobile_number": VICTIM,
            "otp": registered.json()["otp"],
            "signup_token": registered.json()["signup_token"],
        },
    )
    assert [n["code"] for n in finished.json()["notices"]] == ["ACCOUNT_EXISTS"]
    assert (await _login(api, VICTIM, OWNER_PASSWORD)).status_code == 200
    assert (await _login(api, VICTIM, "probing 123")).status_code == 401


async def test_forgot_password_tells_only_the_phone_whether_there_is_an_account(api: Api, phones: Phones) -> None:
    await api.sign_in(VICTIM)
    for number in (VICTIM, OTHER):
        assert (await api.request("POST", "/auth/forgot-password", json={"mobile_number": number})).status_code == 200
    assert "reset your password" in phones.last_to(VICTIM).text
    assert "no account uses it" in phones.last_to(OTHER).text and phones.last_to(OTHER).code not in (
        phones.last_to(OTHER).text
    )


# 3. A stolen access token


async def test_a_stolen_access_token_cannot_set_a_first_password(api: Api, phones: Phones) -> None:
    owner = await api.sign_in(VICTIM)  # signed in with a code: no password yet
    thief = owner  # a copy of the access token, good for 15 minutes
    bare = await api.request("POST", "/auth/change-password", thief, json={"new_password": ATTACKER_PASSWORD})
    assert bare.status_code == 422 and bare.json()["error"]["details"][0]["field"] == "otp"
    guessed = await api.request(
        "POST", "/auth/change-password", thief, json={"new_password": ATTACKER_PASSWORD, "otp": "123456"}
    )
    assert guessed.status_code == 401 and guessed.json()["error"]["code"] == "INVALID_OTP"
    # Asking for a code sends it to the owner's phone, not to whoever holds the token.
    asked = await api.request("POST", "/auth/send-confirmation-code", thief)
    assert asked.status_code == 200 and "confirms a change" in phones.last_to(VICTIM).text
    assert (await _login(api, VICTIM, ATTACKER_PASSWORD)).status_code == 401
    assert (await api.request("GET", "/user/me", owner)).status_code == 200  # the owner was not signed out
    # The owner, with the code from their phone, sets one.
    changed = await api.request(
        "POST",
        "/auth/change-password",
        owner,
        json={"new_password": OWNER_PASSWORD, "otp": phones.last_to(VICTIM).code},
    )
    assert changed.status_code == 200 and changed.json()["user"]["has_password"] is True
    assert (await _login(api, VICTIM, OWNER_PASSWORD)).status_code == 200


# 4. Codes in production logs: a real SMS gateway, and a signed webhook


@pytest.fixture
def gateway() -> Iterator[tuple[SmsGateway, BackgroundServer]]:
    gateway = SmsGateway()
    server = background_sms(free_port(), gateway).start()
    yield gateway, server
    server.stop()


@contextlib.asynccontextmanager
async def _app_with(clock: MutableClock, **env: str) -> AsyncIterator[AsyncTestClient[Any]]:
    settings = make_settings(**env)
    async with AsyncTestClient(app=build_app(settings, make_container(clock, settings))) as client:
        yield client


async def test_codes_go_by_sms_through_twilio_and_never_into_the_log(
    gateway: tuple[SmsGateway, BackgroundServer], clock: MutableClock, caplog: pytest.LogCaptureFixture
) -> None:
    sms, server = gateway
    sms.unreachable.add(OTHER)
    env = {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": "+15005550006",
        "TWILIO_API_BASE": server.url,
        "LOG_LEVEL": "debug",
    }
    caplog.set_level(logging.DEBUG)
    async with _app_with(clock, **env) as client:
        sent = await client.post("/auth/send-otp", json={"mobile_number": VICTIM})
        unreachable = await client.post("/auth/send-otp", json={"mobile_number": OTHER})
        assert sent.status_code == unreachable.status_code == 200
        assert sent.json() == unreachable.json() and "otp" not in sent.json()
        [text] = sms.texts_to(VICTIM)
        code = text.split()[0]
        assert code.isdigit() and len(code) == 6 and sms.messages[0]["From"] == "+15005550006"
        signed_in = await client.post("/auth/verify-otp", json={"mobile_number": VICTIM, "otp": code})
        assert signed_in.status_code == 200
        sms.outage = True
        down = await client.post("/auth/send-otp", json={"mobile_number": VICTIM})
        assert down.status_code == 503 and down.json()["error"]["code"] == "UNAVAILABLE"
        assert int(down.headers["retry-after"]) > 0
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert code not in logged and AUTH_TOKEN not in logged


async def test_codes_go_to_the_operators_gateway_as_signed_webhooks(
    gateway: tuple[SmsGateway, BackgroundServer], clock: MutableClock
) -> None:
    sms, server = gateway
    env = {"OTP_WEBHOOK_URL": f"{server.url}/otp-webhook", "OTP_WEBHOOK_SECRET": WEBHOOK_SECRET}
    async with _app_with(clock, **env) as client:
        sent = await client.post("/auth/forgot-password", json={"mobile_number": VICTIM})
        assert sent.status_code == 200 and "otp" not in sent.json()
    [call] = sms.webhooks  # the fake refuses a call whose signature does not check out
    assert call["to"] == VICTIM and call["purpose"] == "reset" and call["notice"] == "no_account"
    assert len(call["code"]) == 6 and call["expires_in"] == 300
    async with _app_with(clock, OTP_WEBHOOK_URL=f"{server.url}/otp-webhook", OTP_WEBHOOK_SECRET="wrong" * 8) as client:
        forged = await client.post("/auth/send-otp", json={"mobile_number": VICTIM})
        assert forged.status_code == 503  # the gateway refused an unsigned call: nobody gets a code
    assert len(sms.webhooks) == 1


# 5. Unsafe defaults


def _start_api(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "entrypoints.asgi:create", "--port", str(port)]
    inherited = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    return subprocess.run(  # noqa: S603 - our interpreter and module
        command, env={**inherited, "ADAPTERS": "memory", **env}, capture_output=True, text=True, timeout=30, check=False
    )


def test_without_app_env_the_service_is_production_and_will_not_start_unsafe() -> None:
    """Before, an unset APP_ENV meant development: codes in responses, the fake checkout
    open, webhooks signed with the secret in the source accepted."""
    started = _start_api({})
    assert started.returncode == 2
    for name in ("JWT_SECRET", "OTP_DELIVERY", "STRIPE_WEBHOOK_SECRET", "APP_ENV=development"):
        assert name in started.stderr


def test_a_real_stripe_key_never_runs_with_the_development_webhook_secret() -> None:
    started = _start_api({"APP_ENV": "development", "STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_PRICE_ID": "price_x"})
    assert started.returncode == 2
    assert "STRIPE_WEBHOOK_SECRET must be set whenever STRIPE_SECRET_KEY is" in started.stderr


# 6. Floods of password hashing (the event loop itself: tests/e2e/test_floods.py)


async def test_logins_and_sign_ups_have_a_limit_for_the_whole_service(clock: MutableClock) -> None:
    """Fresh numbers from fresh addresses dodge every per-number and per-client limit;
    the service as a whole still does only so much password hashing."""
    env = {"TRUSTED_PROXY_HOPS": "1", "LOGINS_PER_MINUTE": "3", "SIGN_UPS_PER_MINUTE": "2"}
    async with _app_with(clock, **env) as client:

        async def from_new_client(i: int, path: str) -> int:
            body = {"mobile_number": f"+4477009006{i:02d}", "password": "a long password"}
            response = await client.post(path, json=body, headers={"X-Forwarded-For": f"198.51.100.{i}"})
            return response.status_code

        assert [await from_new_client(i, "/auth/login") for i in range(4)] == [401, 401, 401, 429]
        assert [await from_new_client(i, "/auth/signup") for i in range(10, 13)] == [202, 202, 429]
        clock.advance(minutes=1)
        assert await from_new_client(20, "/auth/login") == 401


# 7. Guessing codes and passwords


async def _sign_up_plain(client: AsyncTestClient[Any], number: str, password: str) -> None:
    started = (await client.post("/auth/signup", json={"mobile_number": number, "password": password})).json()
    body = {"mobile_number": number, "otp": started["otp"], "signup_token": started["signup_token"]}
    assert (await client.post("/auth/verify-signup", json=body)).status_code == 200


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


async def test_failures_in_a_row_on_one_number_are_capped_across_every_purpose(clock: MutableClock) -> None:
    """Each purpose has its own window; together they used to allow far more guesses than
    any one of them. Now every failure on a number counts toward one cap, and only a
    success (or a day) clears it."""
    async with _app_with(clock, AUTH_CONSECUTIVE_FAILURES="12") as client:
        await _sign_up_plain(client, VICTIM, OWNER_PASSWORD)
        wrong_password = {"mobile_number": VICTIM, "password": "not the password"}
        assert [(await client.post("/auth/login", json=wrong_password)).status_code for _ in range(6)] == [401] * 6
        first = (await client.post("/auth/forgot-password", json={"mobile_number": VICTIM})).json()["otp"]
        reset = {"mobile_number": VICTIM, "new_password": "a new password"}
        for _ in range(5):
            assert (await client.post("/auth/reset-password", json={**reset, "otp": _wrong(first)})).status_code == 401
        second = (await client.post("/auth/forgot-password", json={"mobile_number": VICTIM})).json()["otp"]
        assert (await client.post("/auth/reset-password", json={**reset, "otp": _wrong(second)})).status_code == 401
        # Twelve failures in a row: even the right password and the right code are refused now.
        right = {"mobile_number": VICTIM, "password": OWNER_PASSWORD}
        locked = await client.post("/auth/login", json=right)
        assert locked.status_code == 429 and locked.json()["error"]["code"] == "TOO_MANY_ATTEMPTS"
        assert int(locked.headers["retry-after"]) > 23 * 3600
        assert (await client.post("/auth/reset-password", json={**reset, "otp": second})).status_code == 429
        # Another number is not affected.
        await _sign_up_plain(client, OTHER, OWNER_PASSWORD)
        assert (await client.post("/auth/login", json={**right, "mobile_number": OTHER})).status_code == 200
        clock.advance(hours=24, minutes=1)
        assert (await client.post("/auth/login", json=right)).status_code == 200
        # A success starts the count again.
        for _ in range(11):
            clock.advance(minutes=2)  # within each purpose's own window
            assert (await client.post("/auth/login", json=wrong_password)).status_code in (401, 429)
        clock.advance(minutes=16)
        assert (await client.post("/auth/login", json=right)).status_code == 200


async def test_one_client_cannot_spread_guesses_over_many_numbers(clock: MutableClock) -> None:
    async with _app_with(clock, AUTH_ATTEMPTS_PER_CLIENT="5") as client:
        statuses = []
        for i in range(6):
            number = f"+4477009003{i:02d}"
            code = (await client.post("/auth/send-otp", json={"mobile_number": number})).json()["otp"]
            guess = await client.post("/auth/verify-otp", json={"mobile_number": number, "otp": _wrong(code)})
            statuses.append(guess.status_code)
        assert statuses == [401] * 5 + [429]


# 8. The client's address behind a proxy


async def test_x_forwarded_for_is_ignored_without_trusted_proxies(clock: MutableClock) -> None:
    async with _app_with(clock, OTP_SENDS_PER_CLIENT="3") as client:
        statuses = [
            (
                await client.post(
                    "/auth/send-otp",
                    json={"mobile_number": f"+4477009004{i:02d}"},
                    headers={"X-Forwarded-For": f"203.0.113.{i}"},
                )
            ).status_code
            for i in range(4)
        ]
    assert statuses == [200, 200, 200, 429]


async def test_behind_one_trusted_proxy_each_client_has_its_own_limit_and_cannot_pick_another(
    clock: MutableClock,
) -> None:
    def via_proxy(chain: str) -> dict[str, str]:
        return {"X-Forwarded-For": chain}

    async with _app_with(clock, OTP_SENDS_PER_CLIENT="3", TRUSTED_PROXY_HOPS="1") as client:

        async def send(i: int, chain: str) -> int:
            response = await client.post(
                "/auth/send-otp", json={"mobile_number": f"+4477009005{i:02d}"}, headers=via_proxy(chain)
            )
            return response.status_code

        assert [await send(i, "198.51.100.7") for i in range(3)] == [200] * 3
        # The proxy appends the address it saw; what the client wrote before it is ignored.
        assert await send(3, "192.0.2.99, 198.51.100.7") == 429
        assert await send(4, "198.51.100.8") == 200  # somebody else behind the same proxy


# 10. Brakes for every tier


async def test_pro_has_brakes_too_sends_per_minute(clock: MutableClock) -> None:
    settings = make_settings(SENDS_PER_MINUTE="3")
    container = make_container(clock, settings)
    async with AsyncTestClient(app=build_app(settings, container)) as client:
        api = Api(client, container)
        token = await api.sign_in(VICTIM)
        await _make_pro(api, token)
        room = await api.chatroom(token)
        statuses = [
            (await api.request("POST", f"/chatroom/{room}/message", token, json={"content": f"m{i}"})).status_code
            for i in range(4)
        ]
        assert statuses == [202, 202, 202, 429]
        braked = await api.request("POST", f"/chatroom/{room}/message", token, json={"content": "again"})
        assert braked.json()["error"]["code"] == "TOO_MANY_REQUESTS" and int(braked.headers["retry-after"]) > 0
        clock.advance(minutes=1)
        assert (
            await api.request("POST", f"/chatroom/{room}/message", token, json={"content": "later"})
        ).status_code == 202


async def test_pro_has_brakes_too_replies_in_flight(clock: MutableClock) -> None:
    settings = make_settings(REPLIES_IN_FLIGHT_PER_USER="2")
    container = make_container(clock, settings)
    queue = ManualJobQueue()  # replies are written only when the test says so
    container.adapters.job_queue.override(providers.Object(queue))
    async with AsyncTestClient(app=build_app(settings, container)) as client:
        api = Api(client, container)
        token = await api.sign_in(VICTIM)
        await _make_pro(api, token)
        rooms = [await api.chatroom(token) for _ in range(3)]
        sends = [
            await api.request("POST", f"/chatroom/{room}/message", token, json={"content": "long question"})
            for room in rooms
        ]
        assert [s.status_code for s in sends] == [202, 202, 429]
        assert sends[2].json()["error"]["code"] == "TOO_MANY_REQUESTS"
        assert (await api.request("GET", "/user/usage", token)).json()[
            "used_today"
        ] == 2  # the refused one is not counted
        await container.generate_reply().execute(GenerateReplyCommand(reply_id=queue.jobs[0].reply_id))
        again = await api.request("POST", f"/chatroom/{rooms[2]}/message", token, json={"content": "long question"})
        assert again.status_code == 202


async def _make_pro(api: Api, token: str) -> None:
    session = (await api.request("POST", "/subscribe/pro", token)).json()["session_id"]
    for delivery in api.container.services.payments().complete_checkout(session):
        await api.request(
            "POST", "/webhook/stripe", content=delivery.payload, headers={"Stripe-Signature": delivery.signature}
        )
    assert (await api.request("GET", "/user/me", token)).json()["tier"] == "pro"


# 11. A refund, at most once


async def test_a_reply_gives_its_message_back_once_however_often_it_fails(api: Api, container: Container) -> None:
    token = await api.sign_in(VICTIM)
    room = await api.chatroom(token)
    for i in range(2):
        answered = await api.request("POST", f"/chatroom/{room}/message", token, json={"content": f"fine {i}"})
        await api.wait_for_reply(token, room, answered.json()["reply"]["id"])
    model = container.services.fake_model()
    declined = LanguageModelError("The model declined to answer this message.", transient=False, kind="safety")
    model.fail_next(declined)
    failed = await api.request("POST", f"/chatroom/{room}/message", token, json={"content": "third"})
    reply = await api.wait_for_reply(token, room, failed.json()["reply"]["id"])
    assert reply["status"] == "failed"
    assert (await api.request("GET", "/user/usage", token)).json()["used_today"] == 2  # given back

    # An operator retries it (make cli ARGS="retry-failed"), and it fails again.
    model.fail_next(declined)
    assert await container.retry_failed_replies().execute(timedelta(hours=1)) == [reply["id"]]
    assert (await api.wait_for_reply(token, room, reply["id"]))["status"] == "failed"
    assert (await api.request("GET", "/user/usage", token)).json()["used_today"] == 2  # not a second gift
    for i in range(3):
        sent = await api.request("POST", f"/chatroom/{room}/message", token, json={"content": f"m{i}"})
        assert sent.status_code == 202
    assert (await api.request("POST", f"/chatroom/{room}/message", token, json={"content": "6th"})).status_code == 429

    # Retried once more, it completes: the user got an answer, so the message counts again.
    await container.retry_failed_replies().execute(timedelta(hours=1))
    assert (await api.wait_for_reply(token, room, reply["id"]))["status"] == "completed"
    assert (await api.request("GET", "/user/usage", token)).json()["used_today"] == 6


# 12. Subscriptions, each by its own id


async def _pay(api: Api, checkout_url: str) -> None:
    paid = await api.request("GET", checkout_url.removeprefix("http://127.0.0.1:8000"))
    assert paid.status_code == 200 and set(paid.json()["events"]) == {"applied"}, paid.text


async def test_cancelling_one_of_two_paid_subscriptions_keeps_pro(api: Api) -> None:
    token = await api.sign_in(VICTIM)
    # Two checkouts opened side by side (two tabs), both paid.
    first = (await api.request("POST", "/subscribe/pro", token)).json()
    second = (await api.request("POST", "/subscribe/pro", token)).json()
    await _pay(api, first["checkout_url"])
    await _pay(api, second["checkout_url"])
    gateway = api.container.services.payments()
    subscriptions = (
        gateway.subscriptions_of_checkout(first["session_id"]),
        gateway.subscriptions_of_checkout(second["session_id"]),
    )
    cancel = gateway.change_subscription(subscriptions[0], status=SubscriptionStatus.CANCELED)
    delivered = await api.request(
        "POST", "/webhook/stripe", content=cancel.payload, headers={"Stripe-Signature": cancel.signature}
    )
    assert delivered.status_code == 200
    status = (await api.request("GET", "/subscription/status", token)).json()
    assert status["tier"] == "pro" and status["status"] == "active"
    assert (await api.request("GET", "/user/me", token)).json()["tier"] == "pro"
    cancel = gateway.change_subscription(subscriptions[1], status=SubscriptionStatus.CANCELED)
    await api.request("POST", "/webhook/stripe", content=cancel.payload, headers={"Stripe-Signature": cancel.signature})
    assert (await api.request("GET", "/user/me", token)).json()["tier"] == "basic"


async def test_an_event_naming_another_user_than_its_customer_s_is_refused(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    payer = await api.sign_in(VICTIM)
    freeloader = await api.sign_in(OTHER)
    freeloader_id = (await api.request("GET", "/user/me", freeloader)).json()["id"]
    checkout = (await api.request("POST", "/subscribe/pro", payer)).json()
    gateway = api.container.services.payments()
    # The payer's customer, but metadata naming somebody else (edited, or a mix-up).
    forged = gateway.complete_checkout(checkout["session_id"], metadata_user_id=freeloader_id)
    outcomes = []
    for delivery in forged:
        response = await api.request(
            "POST", "/webhook/stripe", content=delivery.payload, headers={"Stripe-Signature": delivery.signature}
        )
        assert response.status_code == 200  # acknowledged, so the provider stops retrying
        outcomes.append(response)
    assert (await api.request("GET", "/user/me", freeloader)).json()["tier"] == "basic"
    assert (await api.request("GET", "/user/me", payer)).json()["tier"] == "basic"
    assert "refused" in caplog.text
    metrics = (await api.client.get("/metrics")).text
    assert 'payment_events_total{outcome="refused",type="customer.subscription.created"} 1.0' in metrics


# 13. Large webhooks in, metrics not out


async def test_a_large_signed_stripe_event_is_taken_and_a_huge_body_is_not(api: Api) -> None:
    token = await api.sign_in(VICTIM)
    checkout = (await api.request("POST", "/subscribe/pro", token)).json()
    created = api.container.services.payments().complete_checkout(checkout["session_id"])[1]
    body = json.loads(created.payload)
    body["padding"] = "x" * 200_000  # an invoice with many lines is this big
    payload = json.dumps(body).encode()
    signature = sign(
        payload,
        api.container.settings().stripe_webhook_secret,
        timestamp=int(api.container.services.clock().now().timestamp()),
    )
    taken = await api.request("POST", "/webhook/stripe", content=payload, headers={"Stripe-Signature": signature})
    assert taken.status_code == 200, taken.text
    assert (await api.request("GET", "/user/me", token)).json()["tier"] == "pro"
    huge = await api.request(
        "POST", "/webhook/stripe", content=b"x" * (1024 * 1024 + 1), headers={"Stripe-Signature": signature}
    )
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    # Every other route keeps the small limit.
    assert (await api.request("POST", "/auth/send-otp", content=b"x" * 20_000)).status_code == 413


async def test_metrics_are_not_served_to_the_public_in_production(clock: MutableClock) -> None:
    closed = production_settings()
    async with AsyncTestClient(app=build_app(closed, make_container(clock, closed))) as client:
        assert (await client.get("/metrics")).status_code == 404
    guarded = production_settings(METRICS_TOKEN="a metrics token for the scraper")
    async with AsyncTestClient(app=build_app(guarded, make_container(clock, guarded))) as client:
        assert (await client.get("/metrics")).status_code == 401
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer not it"})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "UNAUTHENTICATED"
        right = await client.get("/metrics", headers={"Authorization": "Bearer a metrics token for the scraper"})
        assert right.status_code == 200 and "http_requests_total" in right.text
