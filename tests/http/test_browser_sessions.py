"""A browser's session in HttpOnly cookies, and the attacks a cookie invites (CSRF)."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers
from litestar.testing import AsyncTestClient

from application.ports.services import CodeDelivery
from entrypoints.asgi import build_app
from entrypoints.container import build_container
from tests.http.conftest import Api
from tests.support import production_settings

NUMBER = "+919876543210"


async def _browser_sign_in(api: Api) -> dict[str, Any]:
    code = (await api.request("POST", "/auth/send-otp", json={"mobile_number": NUMBER})).json()["otp"]
    signed_in = await api.request(
        "POST",
        "/auth/verify-otp",
        json={"mobile_number": NUMBER, "otp": code},
        headers={"X-Session-Transport": "cookie"},
    )
    assert signed_in.status_code == 200, signed_in.text
    return {
        "response": signed_in,
        "csrf": api.client.cookies["gc_csrf"],
        "origin": str(api.client.base_url).rstrip("/"),
    }


def _set_cookies(response: Any) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.get_list("set-cookie")}


async def test_a_browser_signs_in_to_cookies_its_scripts_cannot_read(api: Api) -> None:
    session = await _browser_sign_in(api)
    body = session["response"].json()
    assert body["access_token"] == "" and body["refresh_token"] == "" and body["user"]["mobile_number"] == NUMBER
    cookies = _set_cookies(session["response"])
    assert set(cookies) == {"gc_access", "gc_refresh", "gc_csrf"}
    for name in ("gc_access", "gc_refresh"):
        assert "HttpOnly" in cookies[name] and "samesite=strict" in cookies[name].lower(), cookies[name]
    assert "Path=/auth" in cookies["gc_refresh"]
    assert "HttpOnly" not in cookies["gc_csrf"]  # our page reads it to echo it
    # Reads need nothing more than the cookie: a page's fetch, or its native EventSource.
    me = await api.client.get("/user/me")
    assert me.status_code == 200 and me.json()["mobile_number"] == NUMBER


async def test_a_change_by_cookie_must_come_from_this_site_with_the_csrf_token(api: Api) -> None:
    session = await _browser_sign_in(api)
    own, token = session["origin"], session["csrf"]
    attempts = [
        ({}, "no Origin"),
        ({"Origin": "https://evil.example", "X-CSRF-Token": token}, "another site"),
        ({"Origin": own}, "no token"),
        ({"Origin": own, "X-CSRF-Token": token[:-1] + "x"}, "a wrong token"),
    ]
    for headers, why in attempts:
        refused = await api.request("POST", "/chatroom", json={"title": "forged"}, headers=headers)
        assert refused.status_code == 403, why
        assert refused.json()["error"]["code"] == "FORBIDDEN"
    assert (await api.client.get("/chatroom")).json()["items"] == []
    made = await api.request(
        "POST", "/chatroom", json={"title": "mine"}, headers={"Origin": own, "X-CSRF-Token": token}
    )
    assert made.status_code == 201, made.text
    # A bearer client needs none of it: the Authorization header wins over any cookie.
    bearer = await api.sign_in("+919800000003")
    other = await api.request("POST", "/chatroom", bearer, json={"title": "theirs"})
    assert other.status_code == 201 and [r["title"] for r in (await api.client.get("/chatroom")).json()["items"]] == [
        "mine"
    ]


async def test_a_browser_refreshes_and_signs_out_through_its_cookies(api: Api) -> None:
    session = await _browser_sign_in(api)
    own, token = session["origin"], session["csrf"]
    first_access = api.client.cookies["gc_access"]
    assert (await api.request("POST", "/auth/refresh")).status_code == 403  # the refresh cookie alone is not enough
    refreshed = await api.request(
        "POST", "/auth/refresh", headers={"Origin": own, "X-CSRF-Token": token, "X-Session-Transport": "cookie"}
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["access_token"] == "" and api.client.cookies["gc_access"] != first_access
    token = api.client.cookies["gc_csrf"]
    out = await api.request("POST", "/auth/logout", headers={"Origin": own, "X-CSRF-Token": token})
    assert out.status_code == 204
    assert all("Max-Age=0" in header for header in _set_cookies(out).values())
    assert not api.client.cookies.get("gc_access")
    # The session is over, cookie or not.
    api.client.cookies.set("gc_access", first_access)
    assert (await api.client.get("/user/me")).status_code == 401
    nothing = await api.request("POST", "/auth/refresh")
    assert nothing.status_code == 401


class _KeptCodes:
    """An SMS gateway that keeps the codes it is given, for a test in production settings."""

    def __init__(self) -> None:
        self.codes: list[str] = []

    async def send(self, delivery: CodeDelivery) -> str | None:
        self.codes.append(delivery.code)
        return None


async def test_only_cookie_is_a_session_transport_and_production_cookies_are_secure(api: Api) -> None:
    odd = await api.request(
        "POST",
        "/auth/verify-otp",
        json={"mobile_number": NUMBER, "otp": "000000"},
        headers={"X-Session-Transport": "x"},
    )
    assert odd.status_code == 400
    for cookie in _set_cookies(session := (await _browser_sign_in(api))["response"]).values():
        assert "Secure" not in cookie  # development runs on plain http://127.0.0.1
    assert session.status_code == 200
    settings = production_settings()
    container = build_container(settings)
    gateway = _KeptCodes()
    container.services.otp_sender.override(providers.Object(gateway))
    async with AsyncTestClient(app=build_app(settings, container)) as client:
        await client.post("/auth/send-otp", json={"mobile_number": NUMBER})
        signed_in = await client.post(
            "/auth/verify-otp",
            json={"mobile_number": NUMBER, "otp": gateway.codes[-1]},
            headers={"X-Session-Transport": "cookie"},
        )
    assert signed_in.status_code == 200, signed_in.text
    assert all("Secure" in cookie for cookie in _set_cookies(signed_in).values())
