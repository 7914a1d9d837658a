"""One table from error type to HTTP status, and one envelope for every error:
domain errors, Litestar's own (404, 405, 413, validation) and anything unexpected."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from domain.errors import (
    BadRequest,
    Conflict,
    DependencyUnavailable,
    DomainError,
    Forbidden,
    InvalidCredentials,
    InvalidOtp,
    InvalidSignature,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthenticated,
    UnsupportedMediaType,
    ValidationError,
)
from entrypoints.http.schemas.common import ErrorBody, ErrorEnvelope

log = logging.getLogger(__name__)

STATUS_OF: dict[type[DomainError], int] = {
    BadRequest: 400,
    InvalidSignature: 400,
    Unauthenticated: 401,
    InvalidOtp: 401,
    InvalidCredentials: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    UnsupportedMediaType: 415,
    ValidationError: 422,
    RateLimited: 429,
    DependencyUnavailable: 503,
}

CODE_OF_STATUS: dict[int, str] = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "TOO_MANY_REQUESTS",
    503: "UNAVAILABLE",
}


def status_of(error: DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]
    return 500


def envelope(
    status: int,
    code: str,
    message: str,
    *,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[ErrorEnvelope]:
    return Response(
        ErrorEnvelope(error=ErrorBody(code=code, message=message, details=details)),
        status_code=status,
        headers=headers,
        media_type="application/json",
    )


def domain_error_handler(_: Request[Any, Any, Any], error: DomainError) -> Response[ErrorEnvelope]:
    headers: dict[str, str] = {}
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after_seconds)
    if isinstance(error, DependencyUnavailable) and error.retry_after_seconds is not None:
        headers["Retry-After"] = str(error.retry_after_seconds)
    if isinstance(error, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return envelope(status_of(error), error.code, error.message, details=error.details, headers=headers or None)


def validation_error_handler(request: Request[Any, Any, Any], error: ValidationException) -> Response[ErrorEnvelope]:
    """Litestar's own validation errors. A body that is not JSON is a 400; JSON that
    breaks a field rule is a 422; a bad query parameter or header is a 400."""
    problems = error.extra if isinstance(error.extra, list) else []
    details = [_field_problem(p) for p in problems if isinstance(p, dict)]
    if not details:
        return envelope(400, "BAD_REQUEST", "The request body is not valid JSON.")
    if any(d["field"] == "data" and d["message"] == "'data'" for d in details):
        # Litestar names the whole body "data"; this is how it reports an empty body.
        return envelope(400, "BAD_REQUEST", "This request needs a JSON body.")
    message = "; ".join(f"{d['field']}: {d['message']}" if d["field"] else d["message"] for d in details)
    if all(d["source"] == "body" for d in details):
        return envelope(422, "VALIDATION_ERROR", message, details=details)
    return envelope(400, "BAD_REQUEST", message, details=details)


def http_error_handler(request: Request[Any, Any, Any], error: HTTPException) -> Response[ErrorEnvelope]:
    status = error.status_code
    if status >= 500:
        log.error("HTTP %s on %s %s: %s", status, request.method, request.url.path, error.detail)
        return envelope(status, "INTERNAL_ERROR", "Something went wrong on our side.")
    code = CODE_OF_STATUS.get(status, HTTPStatus(status).phrase.upper().replace(" ", "_"))
    message = _friendly_message(status, error.detail)
    headers = dict(error.headers) if error.headers else None
    return envelope(status, code, message, headers=headers)


def internal_error_handler(request: Request[Any, Any, Any], error: Exception) -> Response[ErrorEnvelope]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return envelope(500, "INTERNAL_ERROR", "Something went wrong on our side.")


def _friendly_message(status: int, detail: str) -> str:
    if status == 404:
        return "Nothing here: check the path."
    if status == 405:
        return "This path does not accept that method."
    if status == 413:
        return "The request body is too large."
    return detail or HTTPStatus(status).phrase


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}


_MISSING_FIELD = re.compile(r"Object missing required field `([^`]+)`")


def _field_problem(problem: dict[str, Any]) -> dict[str, str]:
    """One problem as ``{field, source, message}``, naming the field a client sent wrong
    (Litestar reports body-level problems against the whole body, called ``data``)."""
    field = str(problem.get("key", ""))
    message = str(problem.get("message", ""))
    missing = _MISSING_FIELD.fullmatch(message)
    if missing:
        field, message = missing.group(1), "is required"
    elif field == "data" and message != "'data'":
        field = "body"
    source = problem.get("source")
    return {"field": field, "source": str(getattr(source, "value", source or "")), "message": message}
