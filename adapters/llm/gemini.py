"""Google Gemini over its REST API (v1beta): streamGenerateContent?alt=sse for replies,
generateContent for titles. The key travels in the x-goog-api-key header, never in a URL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx

from adapters.llm.gemini_files import DEFAULT_INLINE_MAX_BYTES, GeminiFiles
from adapters.llm.wire import (
    ModelHttpSettings,
    bad_response,
    check_deadline,
    declined,
    error_for_status,
    file_text,
    json_object,
    parse_seconds,
    sse_data,
    stream_with_retries,
    turn_text,
    unseen,
)
from application.ports.services import FileStore, ModelChunk
from domain.chat import FinishReason, MessageRole, TokenUsage
from domain.context import Prompt, Turn
from domain.models import ModelOffer
from domain.uploads import UploadKind

# Why an answer (or the prompt) was blocked; MAX_TOKENS is a cut-off answer, kept.
_BLOCKED = {"SAFETY", "RECITATION", "PROHIBITED_CONTENT", "SPII", "BLOCKLIST", "IMAGE_SAFETY", "LANGUAGE", "OTHER"}
_FINISH_REASONS = {"STOP": FinishReason.STOP, "MAX_TOKENS": FinishReason.LENGTH}
_RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"
TITLE_INSTRUCTION = (
    "Write a title of at most six words for the conversation below. Answer with the title"
    " only: no quotes, no punctuation at the end."
)


class GeminiLanguageModel:
    """Images and PDFs go as they are, to a model that reads attachments (in the request
    or through the File API, by size); text files, and PDFs for a model that does not,
    as their text."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        settings: ModelHttpSettings,
        files: FileStore,
        *,
        inline_max_bytes: int = DEFAULT_INLINE_MAX_BYTES,
    ) -> None:
        self._client = client
        self._settings = settings
        self._models = f"{settings.base_url.rstrip('/')}/v1beta/models"
        self._files = files
        self._remote = GeminiFiles(client, settings, files, inline_max_bytes=inline_max_bytes)

    async def stream_reply(self, prompt: Prompt) -> AsyncIterator[ModelChunk]:
        url = f"{self._models}/{self._settings.model_name(prompt.model)}:streamGenerateContent"
        body = self._body(
            await self._contents(prompt),
            prompt.system_instruction,
            self._settings.output_limit(prompt.model),
            temperature=prompt.temperature,
        )
        async for chunk in stream_with_retries(self._settings, lambda deadline: self._stream(url, body, deadline)):
            yield chunk

    async def _contents(self, prompt: Prompt) -> list[dict[str, Any]]:
        reads_files = prompt.model.attachments if prompt.model is not None else True
        name = self._settings.model_name(prompt.model)
        contents = []
        # One budget for the whole request: Gemini refuses requests over 20 MB.
        inline_room = self._remote.inline_max_bytes
        for turn in prompt.turns:
            parts: list[dict[str, Any]] = [{"text": turn.text}] if turn.text else []
            native = []
            for attachment in turn.attachments:
                if attachment.kind is UploadKind.TEXT or (attachment.kind is UploadKind.PDF and not reads_files):
                    parts.append({"text": await file_text(self._files, attachment)})
                elif reads_files:
                    native.append(attachment)
                else:
                    parts.append({"text": unseen(attachment, name)})
            remote, inline_room = await self._remote.parts(native, inline_room)
            parts += remote
            contents.append({"role": _role(turn), "parts": parts or [{"text": turn_text(turn)}]})
        return contents

    async def suggest_title(self, turns: Sequence[Turn], model: ModelOffer | None = None) -> str:
        name = self._settings.model_name(model)
        contents = [{"role": _role(turn), "parts": [{"text": turn_text(turn)}]} for turn in turns]
        body = self._body(contents, TITLE_INSTRUCTION, 32)
        if "2.5" in name:
            # Thinking would spend the small budget before writing a word.
            body["generationConfig"]["thinkingConfig"] = {"thinkingBudget": 0}
        url = f"{self._models}/{name}:generateContent"
        pieces = [
            chunk.text async for chunk in stream_with_retries(self._settings, lambda _: self._generate(url, body))
        ]
        return "".join(pieces)

    def _headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self._settings.api_key or "", "content-type": "application/json"}

    def _body(
        self,
        contents: list[dict[str, Any]],
        instruction: str | None,
        max_tokens: int,
        *,
        temperature: float | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "contents": contents,
            "generationConfig": {
                "temperature": self._settings.temperature if temperature is None else temperature,
                "maxOutputTokens": max_tokens,
            },
        }
        if instruction:
            body["systemInstruction"] = {"parts": [{"text": instruction}]}
        return body

    async def _stream(self, url: str, body: dict[str, Any], deadline: float) -> AsyncIterator[ModelChunk]:
        async with self._client.stream(
            "POST", url, params={"alt": "sse"}, json=body, headers=self._headers()
        ) as response:
            if response.status_code != 200:
                raise _error(response.status_code, await response.aread())
            finished = False
            async for data in sse_data(response):
                check_deadline(deadline)
                payload = json_object(data)
                finished = finished or _finished(payload)
                yield _chunk(payload)
            # The stream ends when the connection closes, so only a finishReason tells a
            # complete answer from a cut-off one.
            if not finished:
                raise bad_response()

    async def _generate(self, url: str, body: dict[str, Any]) -> AsyncIterator[ModelChunk]:
        response = await self._client.post(url, json=body, headers=self._headers())
        if response.status_code != 200:
            raise _error(response.status_code, response.content)
        yield _chunk(json_object(response.text))


def _role(turn: Turn) -> str:
    return "model" if turn.role is MessageRole.MODEL else "user"


def _finished(payload: dict[str, Any]) -> bool:
    return any(c.get("finishReason") for c in payload.get("candidates") or [] if isinstance(c, dict))


def _chunk(payload: dict[str, Any]) -> ModelChunk:
    if "error" in payload:
        raise _error(int(payload["error"].get("code", 500)), json.dumps(payload).encode())
    if (payload.get("promptFeedback") or {}).get("blockReason"):
        raise declined()
    text = ""
    finish = None
    candidates = payload.get("candidates") or []
    if candidates:
        candidate = candidates[0]
        parts = (candidate.get("content") or {}).get("parts") or []
        # Thought summaries are the model's scratch work, not the answer.
        text = "".join(p.get("text", "") for p in parts if isinstance(p, dict) and not p.get("thought"))
        if candidate.get("finishReason") in _BLOCKED:
            raise declined()
        finish = _FINISH_REASONS.get(candidate.get("finishReason") or "")
    usage = payload.get("usageMetadata")
    tokens = None
    if isinstance(usage, dict) and "candidatesTokenCount" in usage:
        tokens = TokenUsage(
            prompt_tokens=int(usage.get("promptTokenCount", 0)),
            response_tokens=int(usage.get("candidatesTokenCount", 0)),
        )
    return ModelChunk(text=text, usage=tokens, finish_reason=finish)


def _error(status: int, raw: bytes) -> Exception:
    """Gemini errors: ``{"error": {"code", "status", "details": [...]}}``; the retry delay of a
    429 is in a RetryInfo detail, and a bad key is a 400 with reason API_KEY_INVALID."""
    retry_after, bad_key = None, False
    try:
        details = json.loads(raw).get("error", {}).get("details", [])
    except (ValueError, AttributeError):
        details = []
    for detail in details if isinstance(details, list) else []:
        if not isinstance(detail, dict):
            continue
        if detail.get("@type") == _RETRY_INFO:
            retry_after = parse_seconds(detail.get("retryDelay"))
        if detail.get("reason") == "API_KEY_INVALID":
            bad_key = True
    return error_for_status(status, retry_after=retry_after, bad_key=bad_key)
