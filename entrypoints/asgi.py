"""``uvicorn --factory entrypoints.asgi:create`` builds the whole service from settings."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from litestar import Litestar

from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.resources import close_resources, open_resources
from entrypoints.settings import Settings, SettingsError, load_settings


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _lifespan(container: Container) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await open_resources(container)
        try:
            yield
        finally:
            await close_resources(container)

    return lifespan


def build_app(settings: Settings, container: Container | None = None) -> Litestar:
    container = container or build_container(settings)
    app = create_app(
        container,
        max_body_bytes=settings.max_body_bytes,
        dev_routes=settings.dev_tools_enabled,
        lifespan=[_lifespan(container)],
    )
    app.state.container = container
    return app


def create() -> Litestar:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings)
    return build_app(settings)
