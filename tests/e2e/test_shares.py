"""Share links on the real stack, through two API processes: what one makes, the other
serves; what one revokes, the other refuses at once (nothing holds a copy)."""

from __future__ import annotations

import httpx

from tests.e2e.conftest import Client, Service


def test_a_link_revoked_through_one_api_is_404_through_the_other_at_once(service: Service) -> None:
    first, second = service.url, service.start_api()
    owner = Client(first)
    room = owner.http.post("/chatroom", json={"title": "Goa"}).json()["id"]
    sent = owner.http.post(f"/chatroom/{room}/message", json={"content": "Beaches?"}).json()
    owner.wait_for_reply(room, sent["reply"]["id"])
    share = owner.http.post(f"/chatroom/{room}/shares").json()
    assert share["message_count"] == 2
    reader = httpx.Client(base_url=second, timeout=10)  # nobody signed in, another process
    seen = reader.get(f"/s/{share['id']}")
    assert seen.status_code == 200 and seen.json()["messages"][0]["content"] == "Beaches?"
    for _ in range(20):  # no cache to wait out: every read after the revocation is a 404
        assert reader.get(f"/s/{share['id']}").status_code == 200
    assert owner.http.delete(f"/shares/{share['id']}").status_code == 204
    assert [reader.get(f"/s/{share['id']}").status_code for _ in range(20)] == [404] * 20
