from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from dependency_injector import providers
from litestar.testing import AsyncTestClient

from adapters.memory.language_model import FakeLanguageModel
from entrypoints.asgi import build_app
from entrypoints.container import Container
from tests.support import make_settings


class Api:
    """A client that signs in like a person would, and checks the error envelope on
    every error response it sees."""

    def __init__(self, client: AsyncTestClient[Any], container: Container) -> None:
        self.client = client
        self.container = container

    async def request(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = await self.client.request(method, path, headers=headers, **kwargs)
        if response.status_code >= 400:
            body = response.json()
            assert set(body) == {"error"}, body
            assert set(body["error"]) <= {"code", "message", "details"}, body
            assert body["error"]["code"].isupper() and body["error"]["message"], body
        return response

    async def sign_in(self, number: str = "+919876543210") -> str:
        sent = await self.request("POST", "/auth/send-otp", json={"mobile_number": number})
        verified = await self.request(
            "POST", "/auth/verify-otp", json={"mobile_number": number, "otp": sent.json()["otp"]}
        )
        assert verified.status_code == 200, verified.text
        return str(verified.json()["access_token"])

    async def sign_up(self, number: str, password: str, name: str | None = None) -> dict[str, Any]:
        """The whole sign-up flow: ask for a code, give it back with the sign-up token."""
        started = await self.request(
            "POST", "/auth/signup", json={"mobile_number": number, "password": password, "name": name}
        )
        assert started.status_code == 202, started.text
        verified = await self.request(
            "POST",
            "/auth/verify-signup",
            json={
                "mobile_number": number,
                "otp": started.json()["otp"],
                "signup_token": started.json()["signup_token"],
            },
        )
        assert verified.status_code == 200, verified.text
        return dict(verified.json())

    async def chatroom(self, token: str, title: str | None = None) -> str:
        response = await self.request("POST", "/chatroom", token, json={"title": title} if title else {})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def say(self, token: str, room: str, text: str) -> dict[str, Any]:
        """Send a message and wait for its reply; the reply as it ended."""
        sent = await self.request("POST", f"/chatroom/{room}/message", token, json={"content": text})
        assert sent.status_code == 202, sent.text
        return await self.wait_for_reply(token, room, sent.json()["reply"]["id"])

    async def wait_for_reply(self, token: str, room: str, reply_id: str) -> dict[str, Any]:
        """Poll the reply as a client would, until it is finished."""
        for _ in range(200):
            message = (await self.request("GET", f"/chatroom/{room}/messages/{reply_id}", token)).json()
            if message["status"] in ("completed", "failed", "cancelled"):
                return dict(message)
            await asyncio.sleep(0.01)
        raise AssertionError(f"reply {reply_id} never finished")


@pytest.fixture
async def api(container: Container) -> AsyncIterator[Api]:
    settings = make_settings(MAX_BODY_BYTES="16384")
    app = build_app(settings, container)
    async with AsyncTestClient(app=app) as client:
        yield Api(client, container)


@pytest.fixture
def model(api: Api) -> FakeLanguageModel:
    """The fake model, writing each reply in one piece at once (a module needing other
    timing defines its own ``model``)."""
    fake = FakeLanguageModel(chunks=1, chunk_delay=0)
    api.container.services.language_model.override(providers.Object(fake))
    return fake
