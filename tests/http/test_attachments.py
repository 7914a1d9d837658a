"""Sending files with a message: what the message shows, what the model is given, who may
send which file, and what is deleted with a chatroom."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.memory.language_model import FakeLanguageModel
from domain.models import ModelCatalogue, ModelOffer
from domain.uploads import UploadKind
from domain.users import Tier
from entrypoints.container import adapter_set
from tests.http.conftest import Api
from tests.support import pdf, png


async def _upload(api: Api, token: str, data: bytes, name: str) -> str:
    response = await api.request("POST", "/uploads", token, files={"file": (name, data, "application/octet-stream")})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _send(api: Api, token: str, room: str, content: str, *attachment_ids: str) -> Any:
    return await api.request(
        "POST", f"/chatroom/{room}/message", token, json={"content": content, "attachment_ids": list(attachment_ids)}
    )


async def test_a_message_carries_its_files_and_the_model_says_what_it_got(api: Api, model: FakeLanguageModel) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token, "Files")
    photo = await _upload(api, token, png((640, 480)), "photo.png")
    report = await _upload(api, token, pdf(3), "report.pdf")
    sent = await _send(api, token, room, "What is in these?", photo, report)
    assert sent.status_code == 202, sent.text
    shown = sent.json()["message"]["attachments"]
    assert [(a["id"], a["filename"], a["kind"]) for a in shown] == [
        (photo, "photo.png", "image"),
        (report, "report.pdf", "pdf"),
    ]
    assert (shown[0]["width"], shown[0]["height"], shown[1]["pages"]) == (640, 480, 3)
    reply = await api.wait_for_reply(token, room, sent.json()["reply"]["id"])
    assert reply["content"].startswith("I see 1 image, PNG 640×480, and a 3-page PDF."), reply["content"]
    assert reply["attachments"] == []
    given = model.prompts[-1].turns[-1]
    assert [(a.id, a.kind) for a in given.attachments] == [(photo, UploadKind.IMAGE), (report, UploadKind.PDF)]
    # The conversation shows them too, in the order sent.
    listed = (await api.request("GET", f"/chatroom/{room}", token)).json()["messages"]
    assert [a["id"] for a in listed[0]["attachments"]] == [photo, report]
    # Files count no extra messages: one message of today's five.
    assert (await api.request("GET", "/user/usage", token)).json()["used_today"] == 1


async def test_files_alone_are_a_message_but_nothing_at_all_is_not(api: Api, model: FakeLanguageModel) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token)
    photo = await _upload(api, token, png(), "photo.png")
    alone = await _send(api, token, room, "", photo)
    assert alone.status_code == 202, alone.text
    assert alone.json()["message"]["content"] == ""
    nothing = await _send(api, token, room, "   ")
    assert nothing.status_code == 422
    assert nothing.json()["error"]["details"][0]["field"] == "content"


async def test_at_most_ten_files_and_each_once(api: Api, model: FakeLanguageModel) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token)
    photo = await _upload(api, token, png(), "photo.png")
    too_many = await _send(api, token, room, "Look", *([photo] * 11))
    assert too_many.status_code == 422, too_many.text
    assert "attachment_ids" in too_many.text
    twice = await _send(api, token, room, "Look", photo, photo)
    assert twice.status_code == 422
    assert twice.json()["error"]["details"][0]["field"] == "attachment_ids"
    not_an_id = await _send(api, token, room, "Look", "../../etc/passwd")
    assert not_an_id.status_code == 422
    assert (await api.request("GET", "/user/usage", token)).json()["used_today"] == 0


async def test_another_persons_upload_cannot_be_sent_and_nothing_is_counted(api: Api, model: FakeLanguageModel) -> None:
    owner = await api.sign_in("+919800000001")
    theirs = await _upload(api, owner, png(), "private.png")
    stranger = await api.sign_in("+919800000002")
    room = await api.chatroom(stranger)
    mine = await _upload(api, stranger, png(), "mine.png")
    refused = await _send(api, stranger, room, "Whose is this?", mine, theirs)
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "NOT_FOUND"
    assert (await api.request("GET", f"/chatroom/{room}", stranger)).json()["messages"] == []
    assert (await api.request("GET", "/user/usage", stranger)).json()["used_today"] == 0
    # Their upload is still theirs alone, and still unsent.
    assert (await api.request("GET", f"/uploads/{theirs}", stranger)).status_code == 404
    assert (await api.request("DELETE", f"/uploads/{theirs}", owner)).status_code == 204


async def test_a_model_that_cannot_see_images_refuses_them_before_the_send(api: Api, model: FakeLanguageModel) -> None:
    blind = ModelOffer(
        id="fake-text", provider="fake", plan=Tier.BASIC, display_name="Fake Text", context_window=32_768,
        output_limit=2048, attachments=False,
    )  # fmt: skip
    api.container.services.models.override(providers.Object(ModelCatalogue([blind])))
    token = await api.sign_in()
    room = await api.chatroom(token)
    photo = await _upload(api, token, png(), "photo.png")
    notes = await _upload(api, token, b"# Notes\nThe launch is on Friday.\n", "notes.md")
    refused = await _send(api, token, room, "Describe it", photo)
    assert refused.status_code == 422
    detail = refused.json()["error"]["details"][0]
    assert detail["field"] == "attachment_ids"
    assert "fake-text" in detail["message"] and "image" in detail["message"]
    assert (await api.request("GET", "/user/usage", token)).json()["used_today"] == 0
    # Text (and a PDF's text) every model reads.
    taken = await _send(api, token, room, "When is the launch?", notes)
    assert taken.status_code == 202, taken.text


async def test_a_sent_file_stays_until_its_chatroom_goes_and_then_nothing_is_left(
    api: Api, model: FakeLanguageModel
) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token, "To delete")
    photo = await _upload(api, token, png(), "photo.png")
    kept_elsewhere = await _upload(api, token, pdf(1), "shared.pdf")
    sent = await _send(api, token, room, "Look", photo, kept_elsewhere)
    await api.wait_for_reply(token, room, sent.json()["reply"]["id"])
    other = await api.chatroom(token, "Keeps one")
    again = await _send(api, token, other, "This one again", kept_elsewhere)
    assert again.status_code == 202
    assert (await api.request("DELETE", f"/uploads/{photo}", token)).status_code == 409
    assert (await api.request("DELETE", f"/chatroom/{room}", token)).status_code == 204
    assert (await api.request("GET", f"/uploads/{photo}", token)).status_code == 404
    assert (await api.request("GET", f"/uploads/{kept_elsewhere}", token)).status_code == 200
    files = adapter_set(api.container).files()
    assert len(await files.keys()) == 1
    assert (await api.request("DELETE", f"/chatroom/{other}", token)).status_code == 204
    assert await files.keys() == []


async def test_a_fork_shares_its_files_with_the_original(api: Api, model: FakeLanguageModel) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token, "Original")
    photo = await _upload(api, token, png(), "photo.png")
    sent = await _send(api, token, room, "Look", photo)
    reply = await api.wait_for_reply(token, room, sent.json()["reply"]["id"])
    forked = await api.request("POST", f"/chatroom/{room}/fork", token, json={"message_id": reply["id"]})
    assert forked.status_code == 201, forked.text
    copy = forked.json()["id"]
    assert (await api.request("DELETE", f"/chatroom/{room}", token)).status_code == 204
    shown = (await api.request("GET", f"/chatroom/{copy}", token)).json()["messages"][0]["attachments"]
    assert [a["id"] for a in shown] == [photo]
    assert (await api.request("GET", f"/uploads/{photo}", token)).status_code == 200


async def test_an_old_file_that_no_longer_fits_is_left_out_and_said_so(api: Api, model: FakeLanguageModel) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token)
    # 2 × 2 tiles of 258 tokens; a 30-page PDF is 7,740 tokens, nearly the whole budget.
    photo = await _upload(api, token, png((1000, 1000)), "big.png")
    sent = await _send(api, token, room, "First", photo)
    await api.wait_for_reply(token, room, sent.json()["reply"]["id"])
    report = await _upload(api, token, pdf(30), "long.pdf")
    sent = await _send(api, token, room, "Second", report)
    reply = await api.wait_for_reply(token, room, sent.json()["reply"]["id"])
    assert reply["status"] == "completed", reply
    first, _, last = model.prompts[-1].turns
    assert first.attachments == () and "big.png: sent earlier, no longer shown" in first.text
    assert [a.filename for a in last.attachments] == ["long.pdf"]


async def test_files_too_large_for_the_model_fail_the_reply_plainly_and_give_the_message_back(
    api: Api, model: FakeLanguageModel
) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token)
    report = await _upload(api, token, pdf(40), "huge.pdf")  # 10,320 tokens > the 8,000 budget
    sent = await _send(api, token, room, "Summarise", report)
    reply = await api.wait_for_reply(token, room, sent.json()["reply"]["id"])
    assert reply["status"] == "failed"
    assert "more than the model can read at once" in reply["error"]
    assert (await api.request("GET", "/user/usage", token)).json()["used_today"] == 0
