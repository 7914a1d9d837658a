"""Security headers, request ids and CORS, on every kind of response."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from entrypoints.asgi import build_app
from tests.http.conftest import Api
from tests.support import make_settings, production_settings


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/health", None, 200),
        ("GET", "/no/such/route", None, 404),
        ("PUT", "/health", None, 405),
        ("GET", "/user/me", None, 401),
        ("POST", "/auth/send-otp", b"x" * 20000, 413),
        ("GET", "/schema/openapi.json", None, 200),
    ],
)
async def test_every_response_carries_the_security_headers(
    api: Api, method: str, path: str, body: bytes | None, status: int
) -> None:
    response = await api.client.request(method, path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "strict-transport-security" not in response.headers  # development: no HSTS


async def test_a_request_id_is_kept_when_well_formed_and_made_otherwise(api: Api) -> None:
    kept = await api.client.get("/health", headers={"X-Request-ID": "client-req.42"})
    assert kept.headers["x-request-id"] == "client-req.42"
    for bad in ("has spaces", "x" * 65, "new\nline"):
        made = await api.client.get("/health", headers={"X-Request-ID": bad})
        assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    assert re.fullmatch(r"[0-9a-f]{32}", (await api.client.get("/health")).headers["x-request-id"])


async def test_cors_allows_only_the_listed_origins() -> None:
    settings = make_settings(CORS_ALLOW_ORIGINS="https://app.example, https://admin.example/")
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    async with AsyncTestClient(app=build_app(settings)) as client:
        allowed = await client.options("/chatroom", headers={"Origin": "https://admin.example", **preflight})
        assert allowed.headers["access-control-allow-origin"] == "https://admin.example"
        refused = await client.options("/chatroom", headers={"Origin": "https://evil.example", **preflight})
        assert "access-control-allow-origin" not in refused.headers
        simple = await client.get("/health", headers={"Origin": "https://app.example"})
        assert simple.headers["access-control-allow-origin"] == "https://app.example"
        assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()
        # Every method a route answers passes the preflight (PUT came with feedback).
        paths = (await client.get("/schema/openapi.json")).json()["paths"]
        methods = {method.upper() for operations in paths.values() for method in operations}
        for method in sorted(methods):
            checked = await client.options(
                "/chatroom",
                headers={"Origin": "https://app.example", **preflight, "Access-Control-Request-Method": method},
            )
            assert checked.status_code < 300 and method in checked.headers["access-control-allow-methods"], method


async def test_production_adds_hsts() -> None:
    settings = production_settings()
    async with AsyncTestClient(app=build_app(settings)) as client:
        response = await client.get("/health")
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_metrics_count_requests_by_route_template_and_payment_events_by_type(api: Api) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token)
    await api.request("GET", f"/chatroom/{room}", token)
    await api.request("GET", "/chatroom/00000000-0000-0000-0000-000000000000", token)
    session = (await api.request("POST", "/subscribe/pro", token)).json()["session_id"]
    for delivery in api.container.services.payments().complete_checkout(session):
        await api.request(
            "POST", "/webhook/stripe", content=delivery.payload, headers={"Stripe-Signature": delivery.signature}
        )
    metrics = await api.client.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'http_requests_total{method="GET",route="/chatroom/{chatroom_id}",status="200"} 1.0' in text
    assert 'http_requests_total{method="GET",route="/chatroom/{chatroom_id}",status="404"} 1.0' in text
    assert room not in text  # ids never become label values
    assert 'payment_events_total{outcome="applied",type="checkout.session.completed"} 1.0' in text
    assert "reply_queue_depth" in text


async def test_code_requests_are_throttled_per_client_address_across_numbers() -> None:
    settings = make_settings(OTP_SENDS_PER_CLIENT="3")
    async with AsyncTestClient(app=build_app(settings)) as client:
        statuses = [
            (await client.post("/auth/send-otp", json={"mobile_number": f"+4477009000{i:02d}"})).status_code
            for i in range(4)
        ]
        throttled = await client.post("/auth/forgot-password", json={"mobile_number": "+447700900099"})
    assert statuses == [200, 200, 200, 429]
    assert throttled.status_code == 429 and throttled.json()["error"]["code"] == "TOO_MANY_ATTEMPTS"
    assert int(throttled.headers["retry-after"]) > 0


async def test_password_guessing_is_throttled_per_number(api: Api) -> None:
    await api.sign_up("+447700900777", "the right one")
    wrong = {"mobile_number": "+447700900777", "password": "a wrong guess"}
    statuses = [(await api.request("POST", "/auth/login", json=wrong)).status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    right = await api.request(
        "POST", "/auth/login", json={"mobile_number": "+447700900777", "password": "the right one"}
    )
    assert right.status_code == 429 and int(right.headers["retry-after"]) > 0


async def test_registered_and_unknown_numbers_get_the_same_answers(api: Api) -> None:
    await api.sign_up("+447700900111", "long enough pw")
    for path in ("/auth/send-otp", "/auth/forgot-password"):
        known = (await api.request("POST", path, json={"mobile_number": "+447700900111"})).json()
        unknown = (await api.request("POST", path, json={"mobile_number": "+447700900222"})).json()
        assert known.keys() == unknown.keys()
        assert {k: v for k, v in known.items() if k != "otp"} == {k: v for k, v in unknown.items() if k != "otp"}
    wrong = await api.request(
        "POST", "/auth/login", json={"mobile_number": "+447700900111", "password": "wrong password"}
    )
    missing = await api.request(
        "POST", "/auth/login", json={"mobile_number": "+447700900222", "password": "wrong password"}
    )
    assert (wrong.status_code, wrong.json()) == (missing.status_code, missing.json())
