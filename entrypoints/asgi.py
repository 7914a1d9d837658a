"""``uvicorn --factory entrypoints.asgi:create`` builds the whole service from settings."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import FrameType
from typing import Any

from litestar import Litestar
from litestar.types import ASGIApp

from entrypoints.container import Container, build_container, use_case_providers
from entrypoints.http.app import create_app
from entrypoints.http.browser_sessions import BrowserSessions
from entrypoints.http.middleware import RequestContextMiddleware
from entrypoints.http.web_page import WebPage
from entrypoints.logs import configure_logging
from entrypoints.resources import close_resources, follow_cache_invalidations, open_resources
from entrypoints.settings import Settings, settings_or_exit


def _drain_on_signals(draining: asyncio.Event) -> None:
    """Chain in front of the server's own SIGTERM/SIGINT handlers: set ``draining`` (open
    streams end with a resumable event), then let the server shut down as it would.
    Only possible on the main thread, where real servers run the app."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)
        if not callable(previous):
            continue

        def handler(signum: int, frame: FrameType | None, previous: Callable[..., Any] = previous) -> None:
            loop.call_soon_threadsafe(draining.set)
            previous(signum, frame)

        with contextlib.suppress(ValueError):
            signal.signal(sig, handler)


def _lifespan(container: Container) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await open_resources(container)
        follow_cache_invalidations(container)
        app.state.draining = asyncio.Event()
        _drain_on_signals(app.state.draining)
        try:
            yield
        finally:
            await close_resources(container)

    return lifespan


def build_app(settings: Settings, container: Container | None = None) -> ASGIApp:
    container = container or build_container(settings)
    app = create_app(
        use_case_providers(container),
        trusted_proxy_hops=settings.trusted_proxy_hops,
        max_body_bytes=settings.max_body_bytes,
        dev_routes=settings.dev_tools_enabled,
        metrics_route=settings.metrics_public or settings.metrics_token is not None,
        metrics_token=settings.metrics_token,
        cors_allow_origins=settings.cors_allow_origins,
        # Secure cookies wherever the service is not on a developer's own machine.
        browser_sessions=BrowserSessions(
            secure=settings.is_production, refresh_ttl_seconds=settings.refresh_token_ttl_seconds
        ),
        web_page=WebPage.load(),
        lifespan=[_lifespan(container)],
    )
    # Outside Litestar, so even a request no route matched gets the headers and an id.
    return RequestContextMiddleware(
        app, hsts=settings.is_production, observe=container.services.telemetry().http_request
    )


def create() -> ASGIApp:
    settings = settings_or_exit()
    configure_logging(level=settings.log_level, json=settings.log_format == "json")
    return build_app(settings)
