"""Files sent with messages on the real stack: the API keeps them, the worker reads them
from the file store and sends them the way each provider takes them. Checked field by
field on what the wire-level fake Gemini and OpenAI-compatible servers received, against
the bytes the owner downloads."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Client, Service, running_service
from tests.fakes.background import BackgroundServer
from tests.fakes.llm_server import GOOD_KEY
from tests.stack import Stack
from tests.support import pdf, png

FLASH, VISION = "gemini-2.5-flash", "llava-vision"


@pytest.fixture
def files_service(stack: Stack, tmp_path: Path, fake_gemini: BackgroundServer) -> Iterator[Service]:
    env = {
        "LLM_MODELS": f"gemini:{FLASH}:basic,openai:{VISION}:basic:attachments=yes",
        "GEMINI_API_KEY": GOOD_KEY,
        "GEMINI_BASE_URL": fake_gemini.url,
        "OPENAI_API_KEY": GOOD_KEY,
        "OPENAI_BASE_URL": f"{fake_gemini.url}/v1",
        # Beyond a few hundred bytes a request's files go through the File API.
        "GEMINI_INLINE_MAX_BYTES": "500",
    }
    with running_service(stack, tmp_path, **env) as running:
        yield running


def _upload(client: Client, data: bytes, name: str) -> dict[str, Any]:
    sent = client.http.post("/uploads", files={"file": (name, data, "application/octet-stream")})
    assert sent.status_code == 201, sent.text
    return dict(sent.json())


def _send(client: Client, room: str, text: str, llm: BackgroundServer, *uploads: dict[str, Any]) -> Any:
    httpx.delete(f"{llm.url}/_requests").raise_for_status()
    sent = client.http.post(
        f"/chatroom/{room}/message", json={"content": text, "attachment_ids": [u["id"] for u in uploads]}
    )
    assert sent.status_code == 202, sent.text
    reply = client.wait_for_reply(room, sent.json()["reply"]["id"])
    assert reply["status"] == "completed", reply
    return reply, httpx.get(f"{llm.url}/_requests").json()


def test_gemini_gets_a_small_photo_inline_and_a_pdf_through_the_file_api(
    files_service: Service, fake_gemini: BackgroundServer
) -> None:
    client = Client(files_service.url)
    room = client.http.post("/chatroom", json={"title": "Report", "model": FLASH}).json()["id"]
    photo = _upload(client, png((8, 8)), "chart.png")
    report = _upload(client, pdf(3, text="Quarterly revenue grew"), "q3.pdf")
    stored_photo = client.http.get(f"/uploads/{photo['id']}").content
    stored_report = client.http.get(f"/uploads/{report['id']}").content
    reply, requests = _send(client, room, "Summarise these", fake_gemini, photo, report)
    # The room's title, asked for once the reply is done, may or may not have been asked yet.
    start, upload, status, generate = [r for r in requests if not r["path"].endswith(":generateContent")]
    assert (start["path"], start["headers"]["x-goog-upload-command"]) == ("/upload/v1beta/files", "start")
    assert start["headers"]["x-goog-upload-header-content-type"] == "application/pdf"
    assert start["headers"]["x-goog-upload-header-content-length"] == str(report["size_bytes"])
    assert upload["headers"]["x-goog-upload-command"] == "upload, finalize"
    assert upload["body"]["sha256"] == hashlib.sha256(stored_report).hexdigest() == report["sha256"]
    name = status["path"].rsplit("/", 1)[1]
    assert generate["path"] == f"/v1beta/models/{FLASH}:streamGenerateContent"
    parts = generate["body"]["contents"][-1]["parts"]
    assert parts[0] == {"text": "Summarise these"}
    assert parts[1] == {"inline_data": {"mime_type": "image/png", "data": base64.b64encode(stored_photo).decode()}}
    assert parts[2] == {
        "file_data": {"mime_type": "application/pdf", "file_uri": f"{fake_gemini.url}/v1beta/files/{name}"}
    }
    assert reply["content"].endswith(f"[image/png inline {len(stored_photo)} bytes; application/pdf file files/{name}]")
    # The next turn sends the conversation again: the PDF by the same uri, not uploaded twice.
    _, requests = _send(client, room, "And the trend?", fake_gemini)
    assert [r["path"] for r in requests if "upload" in r["path"]] == []
    earlier = next(r for r in requests if "stream" in r["path"])["body"]["contents"][0]["parts"]
    assert earlier[2]["file_data"]["file_uri"].endswith(name)


def test_an_openai_vision_model_gets_image_parts_and_a_text_files_words(
    files_service: Service, fake_gemini: BackgroundServer
) -> None:
    client = Client(files_service.url)
    room = client.http.post("/chatroom", json={"title": "Trip", "model": VISION}).json()["id"]
    photo = _upload(client, png((64, 48)), "beach.png")
    notes = _upload(client, "# Packing\n- sun hat\n- naïve café guide\n".encode(), "packing.md")
    stored_photo = client.http.get(f"/uploads/{photo['id']}").content
    reply, requests = _send(client, room, "", fake_gemini, photo, notes)  # files alone
    [request] = [r for r in requests if r["path"] == "/v1/chat/completions"]
    assert request["body"]["model"] == VISION
    content = request["body"]["messages"][-1]["content"]
    assert content[0] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64," + base64.b64encode(stored_photo).decode()},
    }
    assert content[1]["type"] == "text"
    assert content[1]["text"] == (
        "[File packing.md, text file]\n# Packing\n- sun hat\n- naïve café guide\n\n[End of packing.md]"
    )
    assert reply["content"].endswith(f"[image/png image {len(stored_photo)} bytes]")


def test_deleting_the_chatroom_leaves_no_file_behind(files_service: Service, fake_gemini: BackgroundServer) -> None:
    client = Client(files_service.url)
    room = client.http.post("/chatroom", json={"title": "Gone soon"}).json()["id"]
    photo = _upload(client, png((8, 8)), "p.png")
    _send(client, room, "Look", fake_gemini, photo)
    stranger = Client(files_service.url, "+919800000031")
    other = stranger.http.post("/chatroom", json={"title": "Mine"}).json()["id"]
    stolen = stranger.http.post(f"/chatroom/{other}/message", json={"content": "x", "attachment_ids": [photo["id"]]})
    assert stolen.status_code == 404
    assert client.http.delete(f"/uploads/{photo['id']}").status_code == 409
    assert client.http.delete(f"/chatroom/{room}").status_code == 204
    assert client.http.get(f"/uploads/{photo['id']}").status_code == 404
    kept = [path for path in Path(files_service.env["FILES_DIR"]).rglob("*") if path.is_file()]
    assert kept == []
