"""Every route of API.md over HTTP: statuses, bodies, headers, isolation, bad input."""

from __future__ import annotations

import pytest

from tests.http.conftest import Api

OTHER = "+14155550100"


async def test_signup_then_password_login_refresh_logout(api: Api) -> None:
    created = await api.sign_up("0044 7700 900123", "long enough pw", name=" Ada ")
    assert created["user"]["mobile_number"] == "+447700900123" and created["user"]["name"] == "Ada"
    assert created["user"]["has_password"] is True and created["notices"] == []
    bad = await api.request("POST", "/auth/login", json={"mobile_number": "+447700900123", "password": "nope nope"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "INVALID_CREDENTIALS"
    login = await api.request(
        "POST", "/auth/login", json={"mobile_number": "+447700900123", "password": "long enough pw"}
    )
    assert login.status_code == 200
    tokens = login.json()
    me = await api.request("GET", "/user/me", tokens["access_token"])
    assert me.json()["name"] == "Ada" and me.json()["tier"] == "basic"
    refreshed = await api.request("POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    spent = await api.request("POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert spent.status_code == 401 and spent.json()["error"]["code"] == "UNAUTHENTICATED"
    login = await api.request(
        "POST", "/auth/login", json={"mobile_number": "+447700900123", "password": "long enough pw"}
    )
    token = login.json()["access_token"]
    out = await api.request("POST", "/auth/logout", token)
    assert out.status_code == 204
    after = await api.request("GET", "/user/me", token)
    assert after.status_code == 401 and after.headers["www-authenticate"].startswith("Bearer")


async def test_forgot_reset_and_change_password(api: Api) -> None:
    token = await api.sign_in()
    sent = await api.request("POST", "/auth/forgot-password", json={"mobile_number": "+919876543210"})
    assert sent.status_code == 200 and len(sent.json()["otp"]) == 6
    weak = await api.request(
        "POST",
        "/auth/reset-password",
        json={"mobile_number": "+919876543210", "otp": sent.json()["otp"], "new_password": "short"},
    )
    assert weak.status_code == 422
    reset = await api.request(
        "POST",
        "/auth/reset-password",
        json={"mobile_number": "+919876543210", "otp": sent.json()["otp"], "new_password": "a brand new one"},
    )
    assert reset.status_code == 200
    assert (await api.request("GET", "/user/me", token)).status_code == 401
    token = (
        await api.request("POST", "/auth/login", json={"mobile_number": "+919876543210", "password": "a brand new one"})
    ).json()["access_token"]
    missing_old = await api.request("POST", "/auth/change-password", token, json={"new_password": "another one!"})
    assert missing_old.status_code == 422
    changed = await api.request(
        "POST", "/auth/change-password", token, json={"old_password": "a brand new one", "new_password": "another one!"}
    )
    assert changed.status_code == 200
    assert (await api.request("GET", "/user/me", token)).status_code == 401
    assert (await api.request("GET", "/user/me", changed.json()["access_token"])).status_code == 200


async def test_wrong_code_is_invalid_otp(api: Api) -> None:
    sent = await api.request("POST", "/auth/send-otp", json={"mobile_number": "+919876543210"})
    wrong = "000000" if sent.json()["otp"] != "000000" else "111111"
    refused = await api.request("POST", "/auth/verify-otp", json={"mobile_number": "+919876543210", "otp": wrong})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "INVALID_OTP"


async def test_send_otp_is_throttled_with_retry_after(api: Api) -> None:
    for _ in range(5):
        assert (await api.request("POST", "/auth/send-otp", json={"mobile_number": OTHER})).status_code == 200
    throttled = await api.request("POST", "/auth/send-otp", json={"mobile_number": OTHER})
    assert throttled.status_code == 429 and throttled.json()["error"]["code"] == "TOO_MANY_ATTEMPTS"
    assert int(throttled.headers["retry-after"]) > 0


async def test_chatroom_crud_and_pagination(api: Api) -> None:
    token = await api.sign_in()
    ids = [await api.chatroom(token, f"room {i}") for i in range(5)]
    untitled = await api.request("POST", "/chatroom", token)
    assert untitled.status_code == 201 and untitled.json()["title"] == "New chat"
    ids.append(untitled.json()["id"])
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await api.request("GET", "/chatroom", token, params=query)).json()
        seen += [room["id"] for room in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    api.container.services.clock().advance(seconds=1)
    renamed = await api.request("PATCH", f"/chatroom/{ids[0]}", token, json={"title": "  Renamed   room "})
    assert renamed.status_code == 200 and renamed.json()["title"] == "Renamed room"
    first = (await api.request("GET", "/chatroom", token)).json()["items"][0]
    assert first["id"] == ids[0] and first["title"] == "Renamed room"  # no stale cache after our own write
    detail = await api.request("GET", f"/chatroom/{ids[0]}", token)
    assert detail.status_code == 200 and detail.json()["messages"] == []
    assert (await api.request("DELETE", f"/chatroom/{ids[0]}", token)).status_code == 204
    assert (await api.request("GET", f"/chatroom/{ids[0]}", token)).status_code == 404
    assert ids[0] not in [r["id"] for r in (await api.request("GET", "/chatroom", token)).json()["items"]]


async def test_messages_list_pages_back_in_time(api: Api) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token)
    for i in range(3):
        sent = await api.request("POST", f"/chatroom/{room}/message", token, json={"content": f"m{i}"})
        await api.wait_for_reply(token, room, sent.json()["reply"]["id"])
    page = (await api.request("GET", f"/chatroom/{room}/messages", token, params={"limit": 4})).json()
    assert [m["role"] for m in page["items"]] == ["user", "model", "user", "model"]
    assert [m["content"] for m in page["items"] if m["role"] == "user"] == ["m1", "m2"]
    older = (
        await api.request(
            "GET", f"/chatroom/{room}/messages", token, params={"limit": 4, "cursor": page["next_cursor"]}
        )
    ).json()
    assert next(m["content"] for m in older["items"]) == "m0" and older["next_cursor"] is None
    # `before`, the parameter's old name, still works.
    aliased = await api.request(
        "GET", f"/chatroom/{room}/messages", token, params={"limit": 4, "before": page["next_cursor"]}
    )
    assert aliased.json() == older
    # A parameter a paged route does not know is an error, not the first page again.
    for path in (f"/chatroom/{room}/messages", "/chatroom"):
        misspelt = await api.request("GET", path, token, params={"limit": 4, "curser": page["next_cursor"]})
        assert misspelt.status_code == 400 and misspelt.json()["error"]["message"].startswith("curser:")
    detail = (await api.request("GET", f"/chatroom/{room}", token)).json()
    assert len(detail["messages"]) == 6 and detail["messages"][0]["content"] == "m0"


async def test_idempotency_key_over_http(api: Api) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token)
    headers = {"Idempotency-Key": "retry-me"}
    first = await api.request("POST", f"/chatroom/{room}/message", token, json={"content": "x"}, headers=headers)
    second = await api.request("POST", f"/chatroom/{room}/message", token, json={"content": "x"}, headers=headers)
    assert first.json()["reply"]["id"] == second.json()["reply"]["id"]
    assert second.headers["idempotent-replayed"] == "true"
    assert (await api.request("GET", "/user/usage", token)).json()["used_today"] == 1


async def test_subscription_routes(api: Api) -> None:
    token = await api.sign_in()
    status = (await api.request("GET", "/subscription/status", token)).json()
    assert status == {"tier": "basic", "status": "none", "current_period_end": None, "cancel_at_period_end": False}
    checkout = await api.request("POST", "/subscribe/pro", token)
    assert checkout.status_code == 200 and checkout.json()["session_id"] in checkout.json()["checkout_url"]
    portal = await api.request("POST", "/subscription/portal", token)
    assert portal.status_code == 200 and portal.json()["url"]
    gateway = api.container.services.payments()
    for delivery in gateway.complete_checkout(checkout.json()["session_id"]):
        hook = await api.request(
            "POST", "/webhook/stripe", content=delivery.payload, headers={"Stripe-Signature": delivery.signature}
        )
        assert hook.status_code == 200 and hook.json() == {"received": True}
    status = (await api.request("GET", "/subscription/status", token)).json()
    assert status["tier"] == "pro" and status["status"] == "active" and status["current_period_end"]
    assert (await api.request("POST", "/subscribe/pro", token)).status_code == 409
    unsigned = await api.request("POST", "/webhook/stripe", content=b"{}")
    assert unsigned.status_code == 400 and unsigned.json()["error"]["code"] == "INVALID_SIGNATURE"


async def test_operations_routes(api: Api) -> None:
    assert (await api.request("GET", "/health")).json() == {"status": "ok"}
    ready = await api.request("GET", "/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"
    schema = (await api.request("GET", "/schema/openapi.json")).json()
    assert schema["openapi"].startswith("3.1")
    assert "/chatroom/{chatroom_id}/messages/{message_id}/stream" in schema["paths"]
    assert "BearerAuth" in schema["components"]["securitySchemes"]


async def test_another_users_chatroom_is_not_found_on_every_route(api: Api) -> None:
    owner = await api.sign_in()
    intruder = await api.sign_in(OTHER)
    room = await api.chatroom(owner)
    reply = (await api.request("POST", f"/chatroom/{room}/message", owner, json={"content": "secret"})).json()["reply"]
    attempts = [
        ("GET", f"/chatroom/{room}", None),
        ("PATCH", f"/chatroom/{room}", {"title": "mine now"}),
        ("DELETE", f"/chatroom/{room}", None),
        ("POST", f"/chatroom/{room}/message", {"content": "hi"}),
        ("GET", f"/chatroom/{room}/messages", None),
        ("GET", f"/chatroom/{room}/messages/{reply['id']}", None),
        ("GET", f"/chatroom/{room}/messages/{reply['id']}/stream", None),
    ]
    for method, path, body in attempts:
        response = await api.request(method, path, intruder, json=body)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "NOT_FOUND"
        assert "secret" not in response.text
    assert (await api.request("GET", "/chatroom", intruder)).json()["items"] == []
    # Nothing the intruder tried changed the owner's room.
    kept = (await api.request("GET", f"/chatroom/{room}", owner)).json()
    assert kept["title"] != "mine now" and next(m["content"] for m in kept["messages"]) == "secret"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "BAD_REQUEST"),
        (b"", 400, "BAD_REQUEST"),
        (b'{"content": 42}', 422, "VALIDATION_ERROR"),
        (b'{"text": "wrong field"}', 422, "VALIDATION_ERROR"),
        (b'{"content": "   "}', 422, "VALIDATION_ERROR"),
        (b'{"content": "' + b"a" * 8001 + b'"}', 422, "VALIDATION_ERROR"),
        (b'{"content": "' + b"a" * 20000 + b'"}', 413, "PAYLOAD_TOO_LARGE"),
        (b"[1, 2]", 422, "VALIDATION_ERROR"),
    ],
)
async def test_bad_message_bodies_get_clear_errors(api: Api, body: bytes, status: int, code: str) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token)
    response = await api.request(
        "POST", f"/chatroom/{room}/message", token, content=body, headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()["error"]["code"]) == (status, code), response.text
    assert (await api.request("GET", "/user/usage", token)).json()["used_today"] == 0


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/no/such/route", 404, "NOT_FOUND"),
        ("PUT", "/health", 405, "METHOD_NOT_ALLOWED"),
        ("GET", "/chatroom?limit=0", 400, "BAD_REQUEST"),
        ("GET", "/chatroom?limit=abc", 400, "BAD_REQUEST"),
        ("GET", "/chatroom?cursor=not-a-cursor", 400, "BAD_REQUEST"),
        ("GET", "/chatroom/does-not-exist", 404, "NOT_FOUND"),
    ],
)
async def test_framework_errors_use_the_envelope(api: Api, method: str, path: str, status: int, code: str) -> None:
    token = await api.sign_in()
    response = await api.request(method, path, token)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-jwt", "Basic abc", "Token x"])
async def test_missing_or_bad_tokens_are_unauthenticated(api: Api, header: str | None) -> None:
    response = await api.request("GET", "/user/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401 and response.json()["error"]["code"] == "UNAUTHENTICATED"


async def test_a_fake_checkout_url_completes_the_checkout_through_the_webhook_path(api: Api) -> None:
    token = await api.sign_in()
    checkout = (await api.request("POST", "/subscribe/pro", token)).json()
    path = checkout["checkout_url"].split("://", 1)[1].split("/", 1)[1]
    paid = await api.request("GET", f"/{path}")
    assert paid.status_code == 200 and paid.json()["events"] == ["applied", "applied", "applied"]
    assert (await api.request("GET", "/user/me", token)).json()["tier"] == "pro"
    assert (await api.request("GET", f"/{path}")).status_code == 404  # a session is paid once


async def test_a_browser_that_pays_a_fake_checkout_is_sent_back_to_the_page(api: Api) -> None:
    token = await api.sign_in()
    checkout = (await api.request("POST", "/subscribe/pro", token)).json()
    path = checkout["checkout_url"].split("://", 1)[1].split("/", 1)[1]
    paid = await api.request(
        "GET", f"/{path}", headers={"Accept": "text/html,application/xhtml+xml"}, follow_redirects=False
    )
    assert paid.status_code == 303 and paid.headers["location"] == "/?checkout=success"
    assert (await api.request("GET", "/user/me", token)).json()["tier"] == "pro"
    portal = (await api.request("POST", "/subscription/portal", token)).json()["url"]
    back = await api.request(
        "GET", "/" + portal.split("://", 1)[1].split("/", 1)[1], headers={"Accept": "text/html"}, follow_redirects=False
    )
    assert back.status_code == 303 and back.headers["location"] == "/?billing=fake-portal"


async def test_the_dev_routes_do_not_exist_in_production() -> None:
    from litestar.testing import AsyncTestClient

    from entrypoints.asgi import build_app
    from tests.support import production_settings

    settings = production_settings()
    async with AsyncTestClient(app=build_app(settings)) as client:
        response = await client.get("/dev/fake-checkout/cs_anything")
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"
