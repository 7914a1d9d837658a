"""Text PostgreSQL cannot store (a NUL character) is a clear error, never a 500, on the
real database: in a message, a title, a search."""

from __future__ import annotations

from tests.e2e.conftest import Client, Service


def test_a_nul_character_is_refused_naming_the_field(service: Service) -> None:
    client = Client(service.url)
    room = client.http.post("/chatroom", json={"title": "Fine"}).json()["id"]
    for method, path, kwargs, field in (
        ("POST", f"/chatroom/{room}/message", {"json": {"content": "a\u0000b"}}, "content"),
        ("POST", "/chatroom", {"json": {"title": "a\u0000b"}}, "title"),
        ("PATCH", f"/chatroom/{room}", {"json": {"title": "a\u0000b"}}, "title"),
        ("GET", "/search", {"params": {"q": "a\u0000b"}}, "q"),
    ):
        answer = client.http.request(method, path, **kwargs)
        assert answer.status_code == 422, (path, answer.status_code, answer.text)
        assert answer.json()["error"]["details"][0]["field"] == field
    assert client.http.get("/user/usage").json()["used_today"] == 0
