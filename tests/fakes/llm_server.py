"""A fake Gemini and OpenAI-compatible server that speaks the real wire protocols
(PROTOCOLS.md): streamed and not, with errors, slowness, stalls and safety blocks on
demand. Run it alone with ``make fake-llm`` (``python -m tests.fakes.llm_server``).

Behaviour is asked for in the last user message:

- ``[[status:429]]`` (any status) fails with that status; 429 carries a retry delay of
  ``[[retry:SECONDS]]`` (default 1) the way each API sends it
- ``[[flaky:N]]`` fails with 503 the first N times this exact message is sent
- ``[[slow:SECONDS]]`` waits before the first chunk; ``[[stall]]`` stops mid-stream
- ``[[safety]]`` blocks the answer after one chunk; ``[[block]]`` blocks the prompt
- ``[[midstream-error]]`` (OpenAI) sends an error event after one chunk
- ``[[drop]]`` closes the connection after one chunk, with no end marker
- ``[[length]]`` ends the answer at the output limit (MAX_TOKENS / ``length``)
- ``[[pace:SECONDS]]`` waits that long between chunks (a slow model, to stop mid-way)

The reply is ``Echo: <message>`` in three chunks, followed by what came with the message
(`` [image/png inline 1234 bytes; application/pdf file files/1]``). Gemini's File API is
there too (the resumable upload, and ``GET /v1beta/files/{id}``); a ``file_data`` part
naming a file never uploaded is a 400, as it is at Google. Uploaded files outlive
clearing the requests, as Google keeps them for 48 hours. Requests are kept, newest last, at
``GET /_requests`` (``DELETE`` clears them); ``GET /_streams`` counts the streamed answers
that ran to their end and those whose client closed the connection first.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn
from litestar import Litestar, Request, Response, delete, get, post
from litestar.params import FromPath
from litestar.response import Stream

from tests.fakes.background import BackgroundServer

GOOD_KEY = "test-key"
_DIRECTIVE = re.compile(r"\[\[(\w[\w-]*)(?::([\w.]+))?\]\]")


class Recorder:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.flaky: Counter[str] = Counter()
        self.streams: Counter[str] = Counter()
        # The File API: upload sessions started (id -> announced size and type), files kept.
        self.sessions: dict[str, tuple[int, str]] = {}
        self.files: dict[str, dict[str, Any]] = {}


recorder = Recorder()


def _directives(text: str) -> dict[str, str]:
    return {name: value or "" for name, value in _DIRECTIVE.findall(text)}


def _pieces(text: str, files: str = "") -> list[str]:
    reply = f"Echo: {_DIRECTIVE.sub('', text).strip()}{files}"
    size = -(-len(reply) // 3)
    return [reply[i : i + size] for i in range(0, len(reply), size)]


def _watched(events: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Counts how a streamed answer ended: sent to the end, or closed by the client."""

    async def watched() -> AsyncIterator[bytes]:
        recorder.streams["open"] += 1
        ended = "closed_early"
        try:
            async for piece in events:
                yield piece
            ended = "finished"
        finally:
            recorder.streams["open"] -= 1
            recorder.streams[ended] += 1

    return watched()


def _failure(directives: dict[str, str], text: str) -> int | None:
    if "status" in directives:
        return int(directives["status"])
    if "flaky" in directives:
        recorder.flaky[text] += 1
        if recorder.flaky[text] <= int(directives["flaky"]):
            return 503
    return None


async def _record(request: Request[Any, Any, Any]) -> dict[str, Any]:
    body = await request.json()
    recorder.requests.append(
        {"path": request.url.path, "query": dict(request.query_params), "headers": dict(request.headers), "body": body}
    )
    return body  # type: ignore[no-any-return]


# Gemini


def _gemini_said(contents: list[dict[str, Any]]) -> tuple[str, str]:
    """The last turn's words, and what came with them ("" when nothing did)."""
    parts = contents[-1].get("parts", []) if contents else []
    text = "".join(p["text"] for p in parts if "text" in p)
    files = []
    for part in parts:
        if "inline_data" in part:
            inline = part["inline_data"]
            files.append(f"{inline['mime_type']} inline {len(base64.b64decode(inline['data']))} bytes")
        if "file_data" in part:
            files.append(f"{part['file_data']['mime_type']} file {part['file_data']['file_uri'].split('/v1beta/')[-1]}")
    return text, f" [{'; '.join(files)}]" if files else ""


def _unknown_file(contents: list[dict[str, Any]]) -> bool:
    uris = [p["file_data"]["file_uri"] for c in contents for p in c.get("parts", []) if "file_data" in p]
    return any(uri.rsplit("/", 1)[-1] not in recorder.files for uri in uris)


def _gemini_error(status: int, retry: str) -> Response[Any]:
    names = {
        400: "INVALID_ARGUMENT",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        429: "RESOURCE_EXHAUSTED",
        500: "INTERNAL",
        503: "UNAVAILABLE",
    }
    details: list[dict[str, Any]] = []
    if status == 429:
        details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{retry or '1'}s"})
    error = {
        "code": status,
        "message": "fake upstream failure with secret detail",
        "status": names.get(status, "UNKNOWN"),
        "details": details,
    }
    return Response({"error": error}, status_code=status)


def _gemini_chunk(text: str, *, finish: str | None = None, usage: dict[str, int] | None = None) -> bytes:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}]}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    payload: dict[str, Any] = {"candidates": [candidate], "modelVersion": "fake-gemini"}
    if usage:
        payload["usageMetadata"] = usage
    return f"data: {json.dumps(payload)}\r\n\r\n".encode()


@post("/v1beta/models/{call:str}", status_code=200)
async def gemini(request: Request[Any, Any, Any], call: FromPath[str]) -> Response[Any]:
    body = await _record(request)
    key = request.headers.get("x-goog-api-key")
    if not key:
        return _gemini_error(403, "")
    if key != GOOD_KEY:
        error = {
            "code": 400,
            "message": "API key not valid.",
            "status": "INVALID_ARGUMENT",
            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}],
        }
        return Response({"error": error}, status_code=400)
    model, _, action = call.partition(":")
    if model.startswith("unknown"):
        return _gemini_error(404, "")
    contents = body.get("contents") or []
    text, files = _gemini_said(contents)
    if _unknown_file(contents):
        return _gemini_error(400, "")
    directives = _directives(text)
    failure = _failure(directives, text)
    if failure:
        return _gemini_error(failure, directives.get("retry", ""))
    blocked = {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 5}}
    if "block" in directives and action == "generateContent":
        return Response(blocked)
    if "block" in directives:
        return Stream([f"data: {json.dumps(blocked)}\r\n\r\n".encode()], media_type="text/event-stream")
    pieces = _pieces(text, files)
    prompt_tokens = sum(len(json.dumps(c["parts"])) // 4 + 1 for c in contents)
    usage = {"promptTokenCount": prompt_tokens, "candidatesTokenCount": 7, "totalTokenCount": prompt_tokens + 7}
    if action == "generateContent":
        return Response(
            {
                "candidates": [
                    {"content": {"role": "model", "parts": [{"text": "".join(pieces)}]}, "finishReason": "STOP"}
                ],
                "usageMetadata": usage,
            }
        )

    async def events() -> AsyncIterator[bytes]:
        await asyncio.sleep(float(directives.get("slow") or 0))
        for index, piece in enumerate(pieces):
            if "safety" in directives and index == 1:
                yield _gemini_chunk("", finish="SAFETY")
                return
            if "stall" in directives and index == 1:
                await asyncio.sleep(3600)
            if "drop" in directives and index == 1:
                return  # the connection closes with no finishReason: a cut-off stream
            yield _gemini_chunk(piece, usage={"promptTokenCount": prompt_tokens})
            await asyncio.sleep(float(directives.get("pace") or 0.01))
        yield _gemini_chunk("", finish="MAX_TOKENS" if "length" in directives else "STOP", usage=usage)

    return Stream(_watched(events()), media_type="text/event-stream")


# OpenAI-compatible


def _openai_error(status: int, retry: str) -> Response[Any]:
    headers = {"retry-after": retry or "1"} if status == 429 else None
    error = {
        "message": "fake upstream failure",
        "type": "server_error" if status >= 500 else "invalid_request_error",
        "param": None,
        "code": None,
    }
    return Response({"error": error}, status_code=status, headers=headers)


def _openai_chunk(
    delta: dict[str, Any] | None, *, finish: str | None = None, usage: dict[str, int] | None = None
) -> bytes:
    payload: dict[str, Any] = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": "fake"}
    payload["choices"] = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    if usage:
        payload["usage"] = usage
    return f"data: {json.dumps(payload)}\n\n".encode()


def _openai_said(content: str | list[dict[str, Any]]) -> tuple[str, str]:
    """The message's words (its text parts), and the images that came with it."""
    if isinstance(content, str):
        return content, ""
    text = "".join(p["text"] for p in content if p["type"] == "text")
    images = []
    for part in content:
        if part["type"] == "image_url":
            header, _, data = part["image_url"]["url"].partition(",")
            images.append(
                f"{header.removeprefix('data:').removesuffix(';base64')} image {len(base64.b64decode(data))} bytes"
            )
    return text, f" [{'; '.join(images)}]" if images else ""


@post("/v1/chat/completions", status_code=200)
async def chat_completions(request: Request[Any, Any, Any]) -> Response[Any]:
    body = await _record(request)
    if request.headers.get("authorization") != f"Bearer {GOOD_KEY}":
        return _openai_error(401, "")
    if str(body.get("model", "")).startswith("unknown"):
        return _openai_error(404, "")
    text, files = _openai_said(body["messages"][-1]["content"])
    directives = _directives(text)
    failure = _failure(directives, text)
    if failure:
        return _openai_error(failure, directives.get("retry", ""))
    pieces = _pieces(text, files)
    usage = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
    if not body.get("stream"):
        message = {"role": "assistant", "content": "".join(pieces)}
        return Response({"choices": [{"index": 0, "message": message, "finish_reason": "stop"}], "usage": usage})

    async def events() -> AsyncIterator[bytes]:
        await asyncio.sleep(float(directives.get("slow") or 0))
        yield _openai_chunk({"role": "assistant", "content": ""})
        for index, piece in enumerate(pieces):
            if index == 1 and "safety" in directives:
                yield _openai_chunk({}, finish="content_filter")
                return
            if index == 1 and "midstream-error" in directives:
                yield f"data: {json.dumps({'error': {'message': 'overloaded'}})}\n\n".encode()
                return
            if index == 1 and "stall" in directives:
                await asyncio.sleep(3600)
            if index == 1 and "drop" in directives:
                return  # no finish_reason, no [DONE]
            yield _openai_chunk({"content": piece})
            await asyncio.sleep(float(directives.get("pace") or 0.01))
        yield _openai_chunk({}, finish="length" if "length" in directives else "stop")
        if (body.get("stream_options") or {}).get("include_usage"):
            yield _openai_chunk(None, usage=usage)
        yield b"data: [DONE]\n\n"

    return Stream(_watched(events()), media_type="text/event-stream")


# Gemini's File API: a resumable upload in two requests, then the file by its name.


@post("/upload/v1beta/files", status_code=200)
async def upload_file(request: Request[Any, Any, Any]) -> Response[Any]:
    headers = request.headers
    if headers.get("x-goog-api-key") != GOOD_KEY:
        return _gemini_error(403, "")
    session = request.query_params.get("upload_id")
    if session is None:
        await _record(request)
        if headers.get("x-goog-upload-protocol") != "resumable" or headers.get("x-goog-upload-command") != "start":
            return _gemini_error(400, "")
        session = str(len(recorder.sessions) + 1)
        announced = int(headers["x-goog-upload-header-content-length"])
        recorder.sessions[session] = (announced, headers["x-goog-upload-header-content-type"])
        url = f"{str(request.base_url).rstrip('/')}/upload/v1beta/files?upload_id={session}"
        return Response(b"", headers={"x-goog-upload-url": url, "x-goog-upload-status": "active"})
    data = await request.body()
    recorder.requests.append(
        {
            "path": request.url.path,
            "query": dict(request.query_params),
            "headers": dict(headers),
            "body": {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()},
        }
    )
    size, mime_type = recorder.sessions.pop(session, (-1, ""))
    finishing = (
        headers.get("x-goog-upload-command") == "upload, finalize" and headers.get("x-goog-upload-offset") == "0"
    )
    if size != len(data) or not finishing:
        return _gemini_error(400, "")
    # Named by its content, so a test can tell which file a uri names.
    name = f"f{hashlib.sha256(data).hexdigest()[:12]}"
    base = str(request.base_url).rstrip("/")
    file = {
        "name": f"files/{name}",
        "mimeType": mime_type,
        "sizeBytes": str(size),
        "sha256Hash": base64.b64encode(hashlib.sha256(data).digest()).decode(),
        "uri": f"{base}/v1beta/files/{name}",
        "expirationTime": (datetime.now(UTC) + timedelta(hours=48)).isoformat().replace("+00:00", "Z"),
        # A PDF is processed for a moment, as at Google: asked about once, it is ready.
        "state": "PROCESSING" if mime_type == "application/pdf" else "ACTIVE",
    }
    recorder.files[name] = file
    return Response({"file": file})


@get("/v1beta/files/{name:str}")
async def get_file(request: Request[Any, Any, Any], name: FromPath[str]) -> Response[Any]:
    recorder.requests.append({"path": request.url.path, "query": {}, "headers": dict(request.headers), "body": None})
    if request.headers.get("x-goog-api-key") != GOOD_KEY:
        return _gemini_error(403, "")
    file = recorder.files.get(name)
    if file is None:
        return _gemini_error(404, "")
    file["state"] = "ACTIVE"
    return Response(file)


@get("/_requests")
async def recorded() -> list[dict[str, Any]]:
    return recorder.requests


@get("/_streams")
async def streams() -> dict[str, int]:
    return dict(recorder.streams)


@delete("/_requests", status_code=204)
async def clear() -> None:
    recorder.requests.clear()
    recorder.flaky.clear()
    recorder.streams.clear()
    recorder.sessions.clear()


app = Litestar([gemini, chat_completions, upload_file, get_file, recorded, streams, clear])


def background_llm(port: int) -> BackgroundServer:
    return BackgroundServer(app, port)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    print(f"fake Gemini:  GEMINI_BASE_URL=http://127.0.0.1:{args.port}  GEMINI_API_KEY={GOOD_KEY}")
    print(f"fake OpenAI:  OPENAI_BASE_URL=http://127.0.0.1:{args.port}/v1  OPENAI_API_KEY={GOOD_KEY}")
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
