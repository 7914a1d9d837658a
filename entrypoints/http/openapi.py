"""Documented error responses, so the OpenAPI document lists every status a route returns."""

from __future__ import annotations

from litestar.openapi.datastructures import ResponseSpec

from entrypoints.http.schemas import ErrorEnvelope

_DESCRIPTIONS = {
    400: "Bad request: the body is not JSON, or a query parameter or header is invalid",
    401: "Not signed in, or the token or code is wrong, expired or revoked",
    403: "Not allowed",
    404: "Not found (also for another user's resources)",
    409: "Conflict with the current state",
    413: "Body larger than the configured limit",
    422: "A field breaks its rule",
    429: "Rate or daily limit reached; see Retry-After",
    503: "A dependency is down",
}


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(data_container=ErrorEnvelope, description=_DESCRIPTIONS[status]) for status in statuses
    }
