"""Schemathesis against the app's own OpenAPI document: generated requests to every
route, with a valid token where the route needs one. Zero 5xx, every response as
documented, every error in the envelope."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from devstack.services import free_port
from entrypoints.asgi import build_app
from tests.fakes.background import BackgroundServer
from tests.support import make_settings

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
_numbers = itertools.count(1000000)
_requests_made = {"count": 0}

# Every generated case signs a new user up from one address: the per-client brakes are
# lifted here (their own tests are in tests/http/test_security.py).
UNTHROTTLED = {
    "OTP_SENDS_PER_CLIENT": "100000",
    "AUTH_ATTEMPTS_PER_CLIENT": "100000",
    "SIGN_UPS_PER_MINUTE": "100000",
    "LOGINS_PER_MINUTE": "100000",
}
SERVER = BackgroundServer(build_app(make_settings(**UNTHROTTLED)), free_port()).start()
schema = schemathesis.openapi.from_url(f"{SERVER.url}/schema/openapi.json")


@schema.auth()
class FreshUser:
    """A new user and token for every case: generated calls to logout or change-password
    must not leave the cases after them without a working token."""

    def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> str:
        number = f"+4477009{next(_numbers) % 10**6:06d}"
        password = "fuzzing password"
        with httpx.Client(base_url=SERVER.url) as client:
            started = client.post("/auth/signup", json={"mobile_number": number, "password": password}).json()
            verified = client.post(
                "/auth/verify-signup",
                json={"mobile_number": number, "otp": started["otp"], "signup_token": started["signup_token"]},
            )
        return str(verified.json()["access_token"])

    def set(self, case: schemathesis.Case, data: str, context: schemathesis.AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.check
def errors_use_the_envelope(ctx: Any, response: Any, case: schemathesis.Case) -> None:
    if response.status_code < 400:
        return
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, f"not the error envelope: {body}"
    assert set(body["error"]) <= {"code", "message", "details"} and body["error"]["code"].isupper()


@pytest.fixture(scope="module", autouse=True)
def server() -> Iterator[BackgroundServer]:
    yield SERVER
    SERVER.stop()


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_contract(case: schemathesis.Case) -> None:
    _requests_made["count"] += 1
    case.call_and_validate(checks=[errors_use_the_envelope])


def test_enough_requests_were_generated() -> None:
    print("generated requests:", _requests_made["count"])
    assert _requests_made["count"] >= 1000, _requests_made["count"]
