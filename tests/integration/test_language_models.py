"""The Gemini and OpenAI-compatible adapters against a fake server that speaks their wire
protocols, over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from adapters.llm.gemini import GeminiLanguageModel
from adapters.llm.gemini_files import DEFAULT_INLINE_MAX_BYTES
from adapters.llm.openai import OpenAICompatibleLanguageModel
from adapters.llm.router import ModelRouter
from adapters.llm.wire import ModelHttpSettings, create_http_client
from adapters.memory.files import InMemoryFileStore
from application.ports.services import FileStore, LanguageModel, LanguageModelError
from domain.chat import FinishReason, MessageRole
from domain.context import Prompt, Turn
from domain.models import ModelCatalogue, ModelOffer
from domain.users import Tier
from tests.fakes.background import BackgroundServer
from tests.fakes.llm_server import GOOD_KEY

CONVERSATION = [
    Turn(MessageRole.USER, "Hi"),
    Turn(MessageRole.MODEL, "Hello."),
    Turn(MessageRole.USER, "2+2?"),
]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    client = create_http_client(connect_timeout=2, read_timeout=0.5)
    yield client
    await client.aclose()


def _requests(server: BackgroundServer) -> list[dict[str, Any]]:
    return list(httpx.get(f"{server.url}/_requests").json())


def _make(
    provider: str,
    server: BackgroundServer,
    http: httpx.AsyncClient,
    files: FileStore | None = None,
    inline_max_bytes: int = DEFAULT_INLINE_MAX_BYTES,
    **overrides: Any,
) -> LanguageModel:
    httpx.delete(f"{server.url}/_requests")
    files = files or InMemoryFileStore()
    base = {"gemini": server.url, "openai": f"{server.url}/v1"}[provider]
    settings = ModelHttpSettings(
        base_url=base,
        api_key=overrides.pop("api_key", GOOD_KEY),
        model=overrides.pop("model", "gemini-2.5-flash" if provider == "gemini" else "llama-3.1-8b"),
        temperature=0.2,
        max_output_tokens=256,
        base_delay=0.01,
        **overrides,
    )
    if provider == "gemini":
        return GeminiLanguageModel(http, settings, files, inline_max_bytes=inline_max_bytes)
    return OpenAICompatibleLanguageModel(http, settings, files)


async def _reply(writer: LanguageModel, text: str, **prompt: Any) -> tuple[str, Any, int]:
    pieces, usage, chunks = [], None, 0
    turns = [*CONVERSATION[:-1], Turn(MessageRole.USER, text)]
    async for chunk in writer.stream_reply(Prompt(turns, **{"system_instruction": "You are terse.", **prompt})):
        pieces.append(chunk.text)
        usage = chunk.usage or usage
        chunks += bool(chunk.text)
    return "".join(pieces), usage, chunks


PROVIDERS = pytest.mark.parametrize("provider", ["gemini", "openai"])
# A person's instructions after the operator's, as GenerateReply combines them.
COMBINED = "Be kind.\n\nAbout the person you are talking with, in their words:\nI cook.\n\nHow they want you to answer, in their words:\nShort."


async def test_gemini_sends_the_prompts_instruction_and_temperature_as_given(
    fake_server: BackgroundServer, http: httpx.AsyncClient
) -> None:
    await _reply(_make("gemini", fake_server, http), "2+2?", system_instruction=COMBINED, temperature=1.3)
    [request] = _requests(fake_server)
    assert request["body"]["systemInstruction"] == {"parts": [{"text": COMBINED}]}
    assert request["body"]["generationConfig"] == {"temperature": 1.3, "maxOutputTokens": 256}


async def test_openai_sends_the_prompts_instruction_and_temperature_as_given(
    fake_server: BackgroundServer, http: httpx.AsyncClient
) -> None:
    await _reply(_make("openai", fake_server, http), "2+2?", system_instruction=COMBINED, temperature=0.0)
    [request] = _requests(fake_server)
    assert request["body"]["messages"][0] == {"role": "system", "content": COMBINED}
    assert request["body"]["temperature"] == 0.0  # zero is a temperature, not "the default"


@PROVIDERS
async def test_a_prompt_without_an_instruction_sends_none(
    provider: str, fake_server: BackgroundServer, http: httpx.AsyncClient
) -> None:
    await _reply(_make(provider, fake_server, http), "2+2?", system_instruction=None)
    [request] = _requests(fake_server)
    if provider == "gemini":
        assert "systemInstruction" not in request["body"]
    else:
        assert [m["role"] for m in request["body"]["messages"]] == ["user", "assistant", "user"]


def _offer(model_id: str, provider: str, plan: Tier = Tier.BASIC, output_limit: int = 100) -> ModelOffer:
    return ModelOffer(
        id=model_id,
        provider=provider,
        plan=plan,
        display_name=model_id,
        context_window=10_000,
        output_limit=output_limit,
    )


async def test_a_router_sends_each_prompt_to_its_models_provider_naming_the_model_and_its_output_limit(
    fake_server: BackgroundServer, http: httpx.AsyncClient
) -> None:
    flash, pro = _offer("gemini-2.5-flash", "gemini"), _offer("gemini-2.5-pro", "gemini", Tier.PRO, 900)
    llama = _offer("llama3.1:8b", "openai", output_limit=300)
    gemini, openai = _make("gemini", fake_server, http), _make("openai", fake_server, http)
    router = ModelRouter(ModelCatalogue([flash, llama, pro]), {"gemini": gemini, "openai": openai})
    for offer in (pro, llama, flash):
        await _reply(router, "2+2?", temperature=0.9, model=offer)
    assert await router.suggest_title(CONVERSATION, pro) == "Echo: 2+2?"
    sent = [(r["path"], r["body"].get("model"), r["body"].get("max_tokens")) for r in _requests(fake_server)]
    assert sent == [
        ("/v1beta/models/gemini-2.5-pro:streamGenerateContent", None, None),
        ("/v1/chat/completions", "llama3.1:8b", 300),
        ("/v1beta/models/gemini-2.5-flash:streamGenerateContent", None, None),
        ("/v1beta/models/gemini-2.5-pro:generateContent", None, None),
    ]
    configs = [r["body"].get("generationConfig") for r in _requests(fake_server)]
    assert configs[0] == {"temperature": 0.9, "maxOutputTokens": 900}
    assert configs[2] == {"temperature": 0.9, "maxOutputTokens": 100}


def test_a_router_refuses_a_catalogue_it_has_no_adapter_for() -> None:
    with pytest.raises(ValueError, match="openai"):
        ModelRouter(ModelCatalogue([_offer("m", "openai")]), {})


async def test_gemini_request_shape(fake_server: BackgroundServer, http: httpx.AsyncClient) -> None:
    model = _make("gemini", fake_server, http)
    await _reply(model, "2+2?")
    [request] = _requests(fake_server)
    assert request["path"] == "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    assert request["query"] == {"alt": "sse"}  # the key is never in the URL
    assert request["headers"]["x-goog-api-key"] == GOOD_KEY
    assert request["body"] == {
        "contents": [
            {"role": "user", "parts": [{"text": "Hi"}]},
            {"role": "model", "parts": [{"text": "Hello."}]},
            {"role": "user", "parts": [{"text": "2+2?"}]},
        ],
        "systemInstruction": {"parts": [{"text": "You are terse."}]},
        "generationConfig": {"temperature": 0.2, "maxOutputTokens": 256},
    }


async def test_openai_request_shape(fake_server: BackgroundServer, http: httpx.AsyncClient) -> None:
    model = _make("openai", fake_server, http)
    await _reply(model, "2+2?")
    [request] = _requests(fake_server)
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == f"Bearer {GOOD_KEY}"
    assert request["body"] == {
        "model": "llama-3.1-8b",
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello."},
            {"role": "user", "content": "2+2?"},
        ],
        "temperature": 0.2,
        "max_tokens": 256,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


@PROVIDERS
async def test_a_streamed_reply_arrives_in_pieces_with_its_usage(
    provider: str, fake_server: BackgroundServer, http: httpx.AsyncClient
) -> None:
    text, usage, chunks = await _reply(_make(provider, fake_server, http), "tell me a story")
    assert text == "Echo: tell me a story" and chunks == 3
    assert usage is not None and usage.response_tokens == 7 and usage.prompt_tokens > 0


@PROVIDERS
async def test_a_title_comes_from_a_plain_call(
    provider: str, fake_server: BackgroundServer, http: httpx.AsyncClient
) -> None:
    model = _make(provider, fake_server, http)
    assert await model.suggest_title(CONVERSATION) == "Echo: 2+2?"
    [request] = _requests(fake_server)
    assert "stream" not in request["body"] and not request["path"].endswith("streamGenerateContent")


@PROVIDERS
@pytest.mark.parametrize(
    ("overrides", "text", "kind"),
    [
        ({"api_key": "wrong-key"}, "hi", "misconfigured"),
        ({"api_key": None}, "hi", "misconfigured"),
        ({"model": "unknown-model"}, "hi", "misconfigured"),
        ({}, "hi [[status:400]]", "bad_request"),
        ({}, "hi [[safety]]", "refused"),
    ],
)
async def test_final_errors_are_not_retried_and_say_nothing_upstream(
    provider: str,
    fake_server: BackgroundServer,
    http: httpx.AsyncClient,
    overrides: dict[str, Any],
    text: str,
    kind: str,
) -> None:
    model = _make(provider, fake_server, http, **overrides)
    with pytest.raises(LanguageModelError) as caught:
        await _reply(model, text)
    assert (caught.value.kind, caught.value.transient) == (kind, False)
    assert (
        "secret" not in caught.value.reason
        and GOOD_KEY not in caught.value.reason
        and "wrong-key" not in caught.value.reason
    )
    assert len(_requests(fake_server)) == 1


async def test_a_blocked_prompt_is_declined(fake_server: BackgroundServer, http: httpx.AsyncClient) -> None:
    with pytest.raises(LanguageModelError) as caught:
        await _reply(_make("gemini", fake_server, http), "hi [[block]]")
    assert caught.value.kind == "refused" and "declined" in caught.value.reason


@PROVIDERS
@pytest.mark.parametrize("status", [429, 500, 503])
async def test_transient_errors_are_retried_then_reported_as_transient(
    provider: str, status: int, fake_server: BackgroundServer, http: httpx.AsyncClient
) -> None:
    model = _make(provider, fake_server, http, attempts=3, max_server_delay=1.0)
    with pytest.raises(LanguageModelError) as caught:
        await _reply(model, f"hi [[status:{status}]][[retry:0.01]]")
    assert caught.value.transient and len(_requests(fake_server)) == 3


@PROVIDERS
async def test_a_flaky_service_is_retried_until_it_answers(
    provider: str, fake_server: BackgroundServer, http: httpx.AsyncClient
) -> None:
    text, _, _ = await _reply(_make(provider, fake_server, http, attempts=3), f"flaky {provider} [[flaky:2]]")
    assert text.startswith("Echo: flaky") and len(_requests(fake_server)) == 3


@PROVIDERS
async def test_a_long_server_retry_delay_goes_back_to_the_queue(
    provider: str, fake_server: BackgroundServer, http: httpx.AsyncClient
) -> None:
    model = _make(provider, fake_server, http, max_server_delay=10.0)
    with pytest.raises(LanguageModelError) as caught:
        await _reply(model, "hi [[status:429]][[retry:30]]")
    assert caught.value.kind == "rate_limited" and caught.value.retry_after == 30
    assert len(_requests(fake_server)) == 1


@PROVIDERS
async def test_a_slow_first_chunk_times_out_and_is_retried(
    provider: str, fake_server: BackgroundServer, http: httpx.AsyncClient
) -> None:
    with pytest.raises(LanguageModelError) as caught:
        await _reply(_make(provider, fake_server, http, attempts=2), "hi [[slow:2]]")
    assert (caught.value.kind, caught.value.transient) == ("timeout", True)
    assert len(_requests(fake_server)) == 2


@PROVIDERS
async def test_a_stream_that_stalls_after_a_chunk_fails_without_a_retry(
    provider: str, fake_server: BackgroundServer, http: httpx.AsyncClient
) -> None:
    with pytest.raises(LanguageModelError) as caught:
        await _reply(_make(provider, fake_server, http, attempts=3), "hi [[stall]]")
    assert (caught.value.kind, caught.value.transient) == ("timeout", True)
    assert len(_requests(fake_server)) == 1  # a chunk was out: the queue, not the adapter, retries


async def test_an_error_in_the_middle_of_an_openai_stream_is_transient(
    fake_server: BackgroundServer, http: httpx.AsyncClient
) -> None:
    with pytest.raises(LanguageModelError) as caught:
        await _reply(_make("openai", fake_server, http), "hi [[midstream-error]]")
    assert caught.value.transient


@PROVIDERS
async def test_a_cut_off_stream_is_not_taken_for_a_whole_answer(
    provider: str, fake_server: BackgroundServer, http: httpx.AsyncClient
) -> None:
    with pytest.raises(LanguageModelError) as caught:
        await _reply(_make(provider, fake_server, http), "hi [[drop]]")
    assert (caught.value.kind, caught.value.transient) == ("bad_response", True)


@PROVIDERS
async def test_each_answer_says_why_it_ended_and_closing_the_stream_reaches_the_server(
    provider: str, fake_server: BackgroundServer, http: httpx.AsyncClient
) -> None:
    model = _make(provider, fake_server, http)
    reasons = []
    for text in ("2+2?", "a long story [[length]]"):
        chunks = [chunk async for chunk in model.stream_reply(Prompt([Turn(MessageRole.USER, text)]))]
        reasons.append([c.finish_reason for c in chunks if c.finish_reason is not None])
    assert reasons == [[FinishReason.STOP], [FinishReason.LENGTH]]

    # A reader that stops early (a cancelled reply) closes the connection: the server
    # stops writing.
    async def closed_early() -> int:
        return int((await http.get(f"{fake_server.url}/_streams")).json().get("closed_early", 0))

    before = await closed_early()
    stream = aiter(model.stream_reply(Prompt([Turn(MessageRole.USER, "slowly [[pace:5]]")])))
    await anext(stream)
    await stream.aclose()  # type: ignore[attr-defined]
    for _ in range(100):
        if await closed_early() == before + 1:
            break
        await asyncio.sleep(0.05)
    assert await closed_early() == before + 1
