from __future__ import annotations

import hmac
from typing import Any, Protocol

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency

from application.use_cases.check_readiness import CheckReadiness
from domain.errors import DependencyUnavailable, Unauthenticated
from entrypoints.http.openapi import errors
from entrypoints.http.schemas.operations import HealthResponse, ReadinessResponse


class MetricsSource(Protocol):
    async def render(self) -> bytes: ...


class OperationsController(Controller):
    tags = ["operations"]

    @get("/health")
    async def check_health(self) -> HealthResponse:
        """The process is up."""
        return HealthResponse()

    @get("/ready", responses=errors(503))
    async def check_ready(self, check_readiness: NamedDependency[CheckReadiness]) -> ReadinessResponse:
        """200 when every backing service answers, else 503 (in the error envelope) naming
        the ones that do not."""
        readiness = await check_readiness.execute()
        if not readiness.ready:
            down = ", ".join(name for name, state in readiness.checks.items() if state != "ok")
            raise DependencyUnavailable(
                f"Not ready: {down} unavailable.",
                details=[{"dependency": name, "status": state} for name, state in readiness.checks.items()],
            )
        return ReadinessResponse(status="ok", checks=readiness.checks)


class MetricsController(Controller):
    """Mounted only where metrics may be read: with METRICS_TOKEN anywhere, or without
    one outside production."""

    tags = ["operations"]

    @get("/metrics", media_type="text/plain; version=0.0.4; charset=utf-8", responses=errors(401))
    async def get_metrics(
        self, request: Request[Any, Any, Any], metrics: NamedDependency[Any], metrics_token: NamedDependency[Any]
    ) -> Response[bytes]:
        """Prometheus text format: HTTP requests and latency by route, queue depth, payment
        events. Needs `Authorization: Bearer <METRICS_TOKEN>` when the operator set one.
        Reply generation metrics are served by the worker (WORKER_METRICS_PORT)."""
        if metrics_token is not None and not _bearer_is(request, metrics_token):
            raise Unauthenticated("Metrics need 'Authorization: Bearer <METRICS_TOKEN>'.")
        # Typed Any for Litestar, which cannot check a value against a Protocol.
        source: MetricsSource = metrics
        return Response(await source.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


def _bearer_is(request: Request[Any, Any, Any], token: str) -> bool:
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())
