"""The flow a new client goes through, over HTTP, end to end on in-memory adapters."""

from __future__ import annotations

import json

from tests.http.conftest import Api


def _sse_events(raw: str) -> list[dict[str, str]]:
    events = []
    for block in raw.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith(":"):
                continue
            key, _, value = line.partition(": ")
            fields[key] = value
        if fields:
            events.append(fields)
    return events


async def test_seed_flow_from_code_to_streamed_reply_to_daily_limit(api: Api) -> None:
    sent = await api.request("POST", "/auth/send-otp", json={"mobile_number": "+91 98765-43210"})
    assert sent.status_code == 200
    assert sent.json()["expires_in"] == 300 and len(sent.json()["otp"]) == 6
    verified = await api.request(
        "POST", "/auth/verify-otp", json={"mobile_number": "+919876543210", "otp": sent.json()["otp"]}
    )
    assert verified.status_code == 200
    body = verified.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900
    assert body["user"]["mobile_number"] == "+919876543210" and body["user"]["tier"] == "basic"
    token = body["access_token"]

    created = await api.request("POST", "/chatroom", token, json={"name": "Trip planning"})
    assert created.status_code == 201 and created.json()["title"] == "Trip planning"
    room = created.json()["id"]
    listed = await api.request("GET", "/chatroom", token)
    assert [r["id"] for r in listed.json()["items"]] == [room] and listed.json()["next_cursor"] is None

    accepted = await api.request("POST", f"/chatroom/{room}/message", token, json={"content": "Hello model"})
    assert accepted.status_code == 202
    assert accepted.headers["x-ratelimit-limit"] == "5" and accepted.headers["x-ratelimit-remaining"] == "4"
    reply = accepted.json()["reply"]
    assert reply["status"] == "pending" and reply["role"] == "model" and reply["content"] == ""
    assert accepted.headers["location"] == f"/chatroom/{room}/messages/{reply['id']}"

    streamed = await api.request("GET", f"/chatroom/{room}/messages/{reply['id']}/stream", token)
    assert streamed.status_code == 200 and streamed.headers["content-type"].startswith("text/event-stream")
    events = _sse_events(streamed.text)
    chunks = [json.loads(e["data"])["text"] for e in events if e.get("event") == "chunk"]
    done = events[-1]
    assert done["event"] == "done" and all("id" in e for e in events)
    final = json.loads(done["data"])
    assert final["status"] == "completed" and "".join(chunks) == final["content"]
    assert "Hello model" in final["content"]

    polled = await api.request("GET", f"/chatroom/{room}/messages/{reply['id']}", token)
    assert polled.json()["status"] == "completed" and polled.json()["usage"]["total_tokens"] > 0

    for remaining in (3, 2, 1, 0):
        ok = await api.request("POST", f"/chatroom/{room}/message", token, json={"content": "again"})
        assert ok.status_code == 202 and ok.headers["x-ratelimit-remaining"] == str(remaining)
    refused = await api.request("POST", f"/chatroom/{room}/message", token, json={"content": "sixth"})
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "DAILY_LIMIT_REACHED"
    assert int(refused.headers["retry-after"]) == 14 * 3600  # test clock: 10:00 UTC
    usage = (await api.request("GET", "/user/usage", token)).json()
    assert {k: v for k, v in usage.items() if k not in ("period", "by_model")} == {
        "tier": "basic",
        "daily_limit": 5,
        "used_today": 5,
        "remaining": 0,
        "resets_at": "2026-11-22T00:00:00Z",
    }
    assert usage["period"] == {"from": "2026-11-21", "to": "2026-11-21"}
    assert {m["model"] for m in usage["by_model"]} == {"fake-flash"}  # the replies still being written come later


async def test_the_stream_resumes_after_last_event_id_without_duplicates(api: Api) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token)
    reply = (await api.request("POST", f"/chatroom/{room}/message", token, json={"content": "resume"})).json()["reply"]
    finished = await api.wait_for_reply(token, room, reply["id"])
    url = f"/chatroom/{room}/messages/{reply['id']}/stream"
    # A finished reply comes whole from the database; event ids are positions in the
    # text, so a client that had the first 40 characters gets exactly the rest.
    full = _sse_events((await api.request("GET", url, token)).text)
    assert [e["event"] for e in full] == ["chunk", "done"]
    attempt = full[0]["id"].split(".")[0]
    rest = _sse_events((await api.request("GET", url, token, headers={"Last-Event-ID": f"{attempt}.40"})).text)
    assert json.loads(rest[0]["data"])["text"] == finished["content"][40:]
    assert rest[-1]["event"] == "done" and rest[-1]["id"] == full[-1]["id"]
