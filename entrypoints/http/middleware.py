"""ASGI middleware: security headers on every response, and a request id that names one
request in every log line it causes (here and, through the job, in the worker)."""

from __future__ import annotations

import itertools
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

import structlog
from litestar.types import ASGIApp, Message, Receive, Send

from entrypoints.logs import access_log

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

# The API serves JSON only; the docs UI under /schema needs scripts and styles.
_API_CSP = "default-src 'none'; frame-ancestors 'none'"
_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; frame-ancestors 'none'"
)

# The web page: its own scripts and styles only (no inline script), talking to this
# origin only; images from model replies are never loaded from elsewhere (blob: is the
# preview of a picture the person is about to send, made by the page from their file).
_PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def content_security_policy(path: str) -> str:
    if path.startswith("/schema"):
        return _DOCS_CSP
    if path == "/" or path.startswith("/assets/"):
        return _PAGE_CSP
    return _API_CSP


def security_headers(*, hsts: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]
    if hsts:
        headers.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
    return headers


class RequestContextMiddleware:
    """Per request: take a well-formed ``X-Request-ID`` or make one, bind it for logging,
    echo it back, add the security headers, and log one access line with the route
    template (never the raw path with its ids, nor any header or body)."""

    def __init__(self, app: ASGIApp, *, hsts: bool, observe: Callable[..., None] | None = None) -> None:
        self.app = app
        self._headers = security_headers(hsts=hsts)
        self._observe = observe

    async def __call__(self, scope: Any, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope["headers"], b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID.fullmatch(incoming) else _new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        extra = [
            *self._headers,
            (b"content-security-policy", content_security_policy(scope["path"]).encode()),
            (b"x-request-id", request_id.encode()),
        ]
        status = 500
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            route = scope.get("path_template") or "unmatched"
            seconds = time.perf_counter() - started
            access_log.write(method=scope["method"], route=route, status=status, duration_ms=round(seconds * 1000, 2))
            if self._observe is not None:
                self._observe(method=scope["method"], route=route, status=status, seconds=seconds)
            structlog.contextvars.unbind_contextvars("request_id")


# This process's random prefix and a count: unique across processes and restarts, and
# no system call per request (uuid4 reads the kernel's randomness each time: 5% of a
# cached read's CPU under py-spy).
_process_prefix = secrets.token_hex(8)
_requests = itertools.count(1)


def _new_process() -> None:
    global _process_prefix
    _process_prefix = secrets.token_hex(8)


os.register_at_fork(after_in_child=_new_process)


def _new_request_id() -> str:
    return f"{_process_prefix}{next(_requests):016x}"


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    # ASGI servers hand header names over lower-cased.
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None
