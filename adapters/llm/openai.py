"""Any OpenAI-compatible chat completions API (OpenAI, Groq, Ollama, vLLM), streamed."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx

from adapters.llm.wire import (
    ModelHttpSettings,
    bad_response,
    check_deadline,
    declined,
    error_for_status,
    file_bytes,
    file_text,
    json_object,
    parse_seconds,
    sse_data,
    stream_with_retries,
    turn_text,
    unseen,
)
from application.ports.services import FileStore, LanguageModelError, ModelChunk
from domain.chat import FinishReason, MessageRole, TokenUsage
from domain.context import Prompt, Turn
from domain.models import ModelOffer
from domain.uploads import UploadKind

TITLE_INSTRUCTION = (
    "Write a title of at most six words for the conversation so far. Answer with the title"
    " only: no quotes, no punctuation at the end."
)


class OpenAICompatibleLanguageModel:
    """Images go as image parts (data URLs) to a model that reads attachments (a vision
    model: ``attachments=yes`` in LLM_MODELS); PDFs and text files go as their text, which
    every model reads."""

    def __init__(self, client: httpx.AsyncClient, settings: ModelHttpSettings, files: FileStore) -> None:
        self._client = client
        self._settings = settings
        self._url = f"{settings.base_url.rstrip('/')}/chat/completions"
        self._files = files

    async def stream_reply(self, prompt: Prompt) -> AsyncIterator[ModelChunk]:
        # Only a turn with files becomes a list of parts: some compatible servers take
        # nothing but a string from the assistant.
        messages = [
            await self._message(turn, prompt.model) if turn.attachments else _plain(turn) for turn in prompt.turns
        ]
        body = self._body(
            messages,
            prompt.system_instruction,
            self._settings.output_limit(prompt.model),
            model=prompt.model,
            temperature=prompt.temperature,
        )
        body |= {"stream": True, "stream_options": {"include_usage": True}}
        async for chunk in stream_with_retries(self._settings, lambda deadline: self._stream(body, deadline)):
            yield chunk

    async def _message(self, turn: Turn, model: ModelOffer | None) -> dict[str, Any]:
        """A turn with files: a list of content parts, the words first."""
        sees_images = model is not None and model.attachments
        parts: list[dict[str, Any]] = [{"type": "text", "text": turn.text}] if turn.text else []
        for attachment in turn.attachments:
            if attachment.kind is not UploadKind.IMAGE:
                parts.append({"type": "text", "text": await file_text(self._files, attachment)})
            elif sees_images:
                data = base64.b64encode(await file_bytes(self._files, attachment)).decode()
                url = f"data:{attachment.mime_type};base64,{data}"
                parts.append({"type": "image_url", "image_url": {"url": url}})
            else:
                parts.append({"type": "text", "text": unseen(attachment, self._settings.model_name(model))})
        return {"role": _role(turn), "content": parts}

    async def suggest_title(self, turns: Sequence[Turn], model: ModelOffer | None = None) -> str:
        messages = [_plain(Turn(turn.role, turn_text(turn))) for turn in turns]
        body = self._body(messages, TITLE_INSTRUCTION, 32, model=model)
        pieces = [chunk.text async for chunk in stream_with_retries(self._settings, lambda _: self._complete(body))]
        return "".join(pieces)

    def _headers(self) -> dict[str, str]:
        # Ollama ignores the key but expects the header.
        return {"authorization": f"Bearer {self._settings.api_key or 'none'}", "content-type": "application/json"}

    def _body(
        self,
        messages: list[dict[str, Any]],
        instruction: str | None,
        max_tokens: int,
        *,
        model: ModelOffer | None,
        temperature: float | None = None,
    ) -> dict[str, Any]:
        system = [{"role": "system", "content": instruction}] if instruction else []
        return {
            "model": self._settings.model_name(model),
            "messages": system + messages,
            "temperature": self._settings.temperature if temperature is None else temperature,
            "max_tokens": max_tokens,
        }

    async def _stream(self, body: dict[str, Any], deadline: float) -> AsyncIterator[ModelChunk]:
        async with self._client.stream("POST", self._url, json=body, headers=self._headers()) as response:
            if response.status_code != 200:
                await response.aread()
                raise _error(response)
            async for data in sse_data(response):
                check_deadline(deadline)
                if data.strip() == "[DONE]":
                    return
                yield _chunk(json_object(data))
            raise bad_response()  # the connection closed before [DONE]: a cut-off answer

    async def _complete(self, body: dict[str, Any]) -> AsyncIterator[ModelChunk]:
        response = await self._client.post(self._url, json=body, headers=self._headers())
        if response.status_code != 200:
            raise _error(response)
        payload = json_object(response.text)
        choices = payload.get("choices") or []
        message = (choices[0].get("message") or {}) if choices else {}
        yield ModelChunk(text=str(message.get("content") or ""))


_FINISH_REASONS = {"stop": FinishReason.STOP, "length": FinishReason.LENGTH}


def _role(turn: Turn) -> str:
    return "assistant" if turn.role is MessageRole.MODEL else "user"


def _plain(turn: Turn) -> dict[str, Any]:
    return {"role": _role(turn), "content": turn.text}


def _chunk(payload: dict[str, Any]) -> ModelChunk:
    if "error" in payload:
        # An error in the middle of a stream: the server gave up; worth another try.
        raise LanguageModelError(
            "The AI service stopped in the middle of the answer. Please try again.", transient=True, kind="server_error"
        )
    text = ""
    finish = None
    for choice in payload.get("choices") or []:
        if choice.get("finish_reason") == "content_filter":
            raise declined()
        finish = _FINISH_REASONS.get(choice.get("finish_reason") or "", finish)
        text += str((choice.get("delta") or {}).get("content") or "")
    usage = payload.get("usage")
    tokens = None
    if isinstance(usage, dict):
        tokens = TokenUsage(
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            response_tokens=int(usage.get("completion_tokens") or 0),
        )
    return ModelChunk(text=text, usage=tokens, finish_reason=finish)


def _error(response: httpx.Response) -> LanguageModelError:
    return error_for_status(response.status_code, retry_after=parse_seconds(response.headers.get("retry-after")))
