"""Files as each provider takes them, checked field by field on the fake server's recorded
requests: Gemini inline data and the File API (uploaded once, referenced by uri), OpenAI
image parts, and a PDF's or text file's words for a model that reads text only."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from adapters.llm.gemini import GeminiLanguageModel
from adapters.llm.openai import OpenAICompatibleLanguageModel
from adapters.llm.wire import ModelHttpSettings, create_http_client
from adapters.memory.files import InMemoryFileStore
from application.ports.services import LanguageModel, LanguageModelError
from domain.chat import MessageRole
from domain.context import Prompt, Turn
from domain.models import ModelOffer
from domain.uploads import Attachment, UploadKind
from domain.users import Tier
from tests.fakes.background import BackgroundServer
from tests.fakes.llm_server import GOOD_KEY
from tests.support import pdf, png

OWNER = "owner-1"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    client = create_http_client(connect_timeout=2, read_timeout=5)
    yield client
    await client.aclose()


@pytest.fixture
def files() -> InMemoryFileStore:
    return InMemoryFileStore()


def _offer(provider: str, model: str, *, reads_files: bool) -> ModelOffer:
    return ModelOffer(
        id=model, provider=provider, plan=Tier.BASIC, display_name=model, context_window=100_000, output_limit=256,
        attachments=reads_files,
    )  # fmt: skip


async def _stored(
    files: InMemoryFileStore, data: bytes, name: str, kind: UploadKind, mime: str, **facts: Any
) -> Attachment:
    attachment = Attachment(
        id=hashlib.sha1(data + name.encode()).hexdigest()[:12],  # noqa: S324 - a test id
        owner_id=OWNER,
        filename=name,
        kind=kind,
        mime_type=mime,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        **facts,
    )
    await files.put(attachment.storage_key, io.BytesIO(data), size=len(data), content_type=mime)
    return attachment


def _gemini(
    fake_server: BackgroundServer, http: httpx.AsyncClient, files: InMemoryFileStore, inline: int
) -> LanguageModel:
    httpx.delete(f"{fake_server.url}/_requests")
    settings = ModelHttpSettings(base_url=fake_server.url, api_key=GOOD_KEY, model="gemini-2.5-flash", base_delay=0.01)
    return GeminiLanguageModel(http, settings, files, inline_max_bytes=inline)


def _openai(fake_server: BackgroundServer, http: httpx.AsyncClient, files: InMemoryFileStore) -> LanguageModel:
    httpx.delete(f"{fake_server.url}/_requests")
    settings = ModelHttpSettings(base_url=f"{fake_server.url}/v1", api_key=GOOD_KEY, model="llama", base_delay=0.01)
    return OpenAICompatibleLanguageModel(http, settings, files)


async def _ask(model: LanguageModel, offer: ModelOffer, *attachments: Attachment, text: str = "What is this?") -> str:
    prompt = Prompt([Turn(MessageRole.USER, text, attachments)], model=offer)
    return "".join([chunk.text async for chunk in model.stream_reply(prompt)])


def _recorded(fake_server: BackgroundServer) -> list[dict[str, Any]]:
    return list(httpx.get(f"{fake_server.url}/_requests").json())


def _forget_requests(fake_server: BackgroundServer) -> None:
    httpx.delete(f"{fake_server.url}/_requests")


async def test_gemini_gets_small_files_inline_in_order_after_the_words(
    fake_server: BackgroundServer, http: httpx.AsyncClient, files: InMemoryFileStore
) -> None:
    image = png((64, 48))
    photo = await _stored(files, image, "photo.png", UploadKind.IMAGE, "image/png", width=64, height=48)
    notes = await _stored(files, b"The launch is on Friday.", "notes.md", UploadKind.TEXT, "text/markdown")
    answer = await _ask(
        _gemini(fake_server, http, files, inline=1_000_000), _offer("gemini", "g", reads_files=True), photo, notes
    )
    [request] = _recorded(fake_server)
    parts = request["body"]["contents"][-1]["parts"]
    assert parts[0] == {"text": "What is this?"}
    assert parts[1]["text"].startswith("[File notes.md, text file]\nThe launch is on Friday.")
    assert parts[2] == {"inline_data": {"mime_type": "image/png", "data": base64.b64encode(image).decode()}}
    assert answer.endswith(f"[image/png inline {len(image)} bytes]")


async def test_gemini_sends_what_passes_the_inline_budget_through_the_file_api_once(
    fake_server: BackgroundServer, http: httpx.AsyncClient, files: InMemoryFileStore
) -> None:
    small = await _stored(files, png((8, 8)), "small.png", UploadKind.IMAGE, "image/png", width=8, height=8)
    document = pdf(3, text="Quarterly revenue grew")
    report = await _stored(files, document, "report.pdf", UploadKind.PDF, "application/pdf", pages=3)
    model = _gemini(fake_server, http, files, inline=small.size_bytes + 10)
    offer = _offer("gemini", "g", reads_files=True)
    answer = await _ask(model, offer, small, report)
    name = f"f{hashlib.sha256(document).hexdigest()[:12]}"
    start, upload, status, generate = _recorded(fake_server)
    assert start["path"] == "/upload/v1beta/files"
    assert start["headers"]["x-goog-upload-protocol"] == "resumable"
    assert start["headers"]["x-goog-upload-command"] == "start"
    assert start["headers"]["x-goog-upload-header-content-length"] == str(len(document))
    assert start["headers"]["x-goog-upload-header-content-type"] == "application/pdf"
    assert start["headers"]["x-goog-api-key"] == GOOD_KEY
    assert upload["headers"]["x-goog-upload-command"] == "upload, finalize"
    assert upload["body"] == {"bytes": len(document), "sha256": hashlib.sha256(document).hexdigest()}
    assert status["path"] == f"/v1beta/files/{name}"  # processing: asked about until active
    parts = generate["body"]["contents"][-1]["parts"]
    assert "inline_data" in parts[1]
    assert parts[2] == {
        "file_data": {"mime_type": "application/pdf", "file_uri": f"{fake_server.url}/v1beta/files/{name}"}
    }
    assert answer.endswith("[image/png inline " + str(small.size_bytes) + f" bytes; application/pdf file files/{name}]")
    # Sent again (the next turn, another chat): referenced, not uploaded again.
    _forget_requests(fake_server)
    again = await _ask(model, offer, report, text="And now?")
    [only] = _recorded(fake_server)
    assert only["path"].endswith(":streamGenerateContent")
    assert again.endswith(f"[application/pdf file files/{name}]")


async def test_an_upload_url_for_another_host_never_gets_the_key(files: InMemoryFileStore) -> None:
    """The File API's second request goes where the first answer says; only to Google's host."""
    sent_to: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent_to.append(str(request.url))
        return httpx.Response(200, headers={"x-goog-upload-url": "https://attacker.example/upload"})

    report = await _stored(files, pdf(1), "r.pdf", UploadKind.PDF, "application/pdf", pages=1)
    settings = ModelHttpSettings(base_url="https://gemini.test", api_key=GOOD_KEY, model="g", attempts=1)
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        model = GeminiLanguageModel(client, settings, files, inline_max_bytes=0)
        with pytest.raises(LanguageModelError):
            await _ask(model, _offer("gemini", "g", reads_files=True), report)
    assert sent_to == ["https://gemini.test/upload/v1beta/files"]


async def test_openai_gets_images_as_image_parts_and_documents_as_their_words(
    fake_server: BackgroundServer, http: httpx.AsyncClient, files: InMemoryFileStore
) -> None:
    image = png((32, 32))
    photo = await _stored(files, image, "photo.png", UploadKind.IMAGE, "image/png", width=32, height=32)
    report = await _stored(files, pdf(2, text="Revenue grew"), "report.pdf", UploadKind.PDF, "application/pdf", pages=2)
    answer = await _ask(_openai(fake_server, http, files), _offer("openai", "vision", reads_files=True), photo, report)
    [request] = _recorded(fake_server)
    content = request["body"]["messages"][-1]["content"]
    assert content[0] == {"type": "text", "text": "What is this?"}
    assert content[1] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64," + base64.b64encode(image).decode()},
    }
    assert content[2]["type"] == "text"
    assert content[2]["text"] == "[File report.pdf, 2-page PDF]\nRevenue grew\n\nRevenue grew\n[End of report.pdf]"
    assert answer.endswith(f"[image/png image {len(image)} bytes]")


async def test_a_model_that_reads_text_only_gets_a_pdfs_words_and_a_note_for_an_image(
    fake_server: BackgroundServer, http: httpx.AsyncClient, files: InMemoryFileStore
) -> None:
    """An image reaches a text-only model only in an old turn (the send refuses it), after
    the chat's model changed: the model is told it was there."""
    photo = await _stored(files, png((8, 8)), "photo.png", UploadKind.IMAGE, "image/png", width=8, height=8)
    report = await _stored(files, pdf(1, text="Hello PDF"), "r.pdf", UploadKind.PDF, "application/pdf", pages=1)
    for model in (_gemini(fake_server, http, files, inline=1_000_000), _openai(fake_server, http, files)):
        _forget_requests(fake_server)
        await _ask(model, _offer("any", "text-only", reads_files=False), photo, report)
        [request] = _recorded(fake_server)
        body = request["body"]
        said = str(body["contents"][-1]["parts"] if "contents" in body else body["messages"][-1]["content"])
        assert "Hello PDF" in said
        assert "text-only cannot see images" in said
        assert "inline_data" not in said and "image_url" not in said


async def test_a_file_gone_from_the_store_fails_the_reply_plainly(
    fake_server: BackgroundServer, http: httpx.AsyncClient, files: InMemoryFileStore
) -> None:
    photo = await _stored(files, png((8, 8)), "photo.png", UploadKind.IMAGE, "image/png", width=8, height=8)
    await files.delete(photo.storage_key)
    with pytest.raises(LanguageModelError) as failed:
        await _ask(_gemini(fake_server, http, files, inline=1_000_000), _offer("gemini", "g", reads_files=True), photo)
    assert not failed.value.transient
    assert "could not be read" in failed.value.reason


async def test_the_inline_budget_is_the_whole_requests_not_each_turns(
    fake_server: BackgroundServer, http: httpx.AsyncClient, files: InMemoryFileStore
) -> None:
    first = await _stored(files, png((20, 20)), "first.png", UploadKind.IMAGE, "image/png", width=20, height=20)
    second = await _stored(files, png((21, 21)), "second.png", UploadKind.IMAGE, "image/png", width=21, height=21)
    model = _gemini(fake_server, http, files, inline=max(first.size_bytes, second.size_bytes) + 10)
    turns = [
        Turn(MessageRole.USER, "One", (first,)),
        Turn(MessageRole.MODEL, "Seen."),
        Turn(MessageRole.USER, "Two", (second,)),
    ]
    prompt = Prompt(turns, model=_offer("gemini", "g", reads_files=True))
    [chunk async for chunk in model.stream_reply(prompt)]
    generate = next(r for r in _recorded(fake_server) if r["path"].endswith(":streamGenerateContent"))
    contents = generate["body"]["contents"]
    assert "inline_data" in contents[0]["parts"][1]
    assert "file_data" in contents[2]["parts"][1]  # the budget was spent by the first turn
