"""Documented error responses, so the OpenAPI document lists every status a route returns,
each in the error envelope, with an example a client developer can recognise."""

from __future__ import annotations

from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example

from entrypoints.http.schemas.common import ErrorEnvelope

_ERRORS: dict[int, tuple[str, str, str]] = {
    400: (
        "Bad request: the body is not JSON, or a query parameter, path parameter or header is invalid",
        "BAD_REQUEST",
        "cursor: not a cursor this API returned",
    ),
    401: (
        "Not signed in, or the token or code is wrong, expired or revoked",
        "UNAUTHENTICATED",
        "The session has ended. Sign in again.",
    ),
    403: (
        "Not allowed: a browser session's change must come from this site with its X-CSRF-Token",
        "FORBIDDEN",
        "Send the gc_csrf cookie's value in the X-CSRF-Token header.",
    ),
    404: ("Not found (also for another user's resources)", "NOT_FOUND", "Chatroom not found."),
    409: ("Conflict with the current state", "CONFLICT", "You are already on Pro."),
    413: ("Body larger than the configured limit", "PAYLOAD_TOO_LARGE", "The request body is too large."),
    415: (
        "A body or file of a kind not taken",
        "UNSUPPORTED_MEDIA_TYPE",
        "This kind of file is not taken: send PNG, JPEG, WebP or GIF images, PDF documents, or UTF-8 text.",
    ),
    422: ("A field breaks its rule", "VALIDATION_ERROR", "content: must not be empty"),
    429: (
        "A rate, brake or daily limit was reached; see Retry-After",
        "DAILY_LIMIT_REACHED",
        "The Basic tier allows 5 messages a day. Upgrade to Pro for unlimited messages,"
        " or try again after midnight UTC.",
    ),
    503: (
        "A dependency is down or busy; see Retry-After when present",
        "UNAVAILABLE",
        "The database is unavailable.",
    ),
}


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    specs = {}
    for status in statuses:
        description, code, message = _ERRORS[status]
        example = Example(summary=code, value={"error": {"code": code, "message": message}})
        specs[status] = ResponseSpec(
            data_container=ErrorEnvelope, description=description, generate_examples=False, examples=[example]
        )
    return specs
