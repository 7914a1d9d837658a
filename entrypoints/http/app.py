"""The app factory: routes, dependencies, error envelope, limits and OpenAPI."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from litestar import Controller, Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from entrypoints.http.browser_sessions import BrowserSessions
from entrypoints.http.controllers.auth import AuthController
from entrypoints.http.controllers.chatrooms import ChatroomController
from entrypoints.http.controllers.dev import DevController
from entrypoints.http.controllers.exports import ExportController
from entrypoints.http.controllers.gems import GemController
from entrypoints.http.controllers.models import ModelController
from entrypoints.http.controllers.operations import MetricsController, OperationsController
from entrypoints.http.controllers.search import SearchController
from entrypoints.http.controllers.shares import PublicShareController, ShareController
from entrypoints.http.controllers.subscriptions import SubscriptionController
from entrypoints.http.controllers.uploads import UploadController
from entrypoints.http.controllers.users import UserController
from entrypoints.http.dependencies import build_dependencies, resolve_dependencies_in_turn
from entrypoints.http.errors import EXCEPTION_HANDLERS
from entrypoints.http.web_page import WebPage, web_page_router

API_DESCRIPTION = """
Sign in with a one-time code, open chatrooms, and talk to an AI model. Replies are
written by background workers: sending a message answers `202` at once, and the reply
can be polled or streamed (Server-Sent Events). Basic users get a daily message limit;
Pro (a subscription) is unlimited. Every error has the shape
`{"error": {"code", "message", "details?"}}`.
"""


def operation_id(handler: Any, method: Any, path_components: Any) -> str:
    first, *rest = str(handler.handler_name).split("_")
    return first + "".join(word.capitalize() for word in rest)


CONTROLLERS = (
    AuthController,
    UserController,
    ChatroomController,
    GemController,
    ModelController,
    UploadController,
    SearchController,
    ShareController,
    PublicShareController,
    ExportController,
    SubscriptionController,
    OperationsController,
    MetricsController,
    DevController,
)


def route_handlers(controllers: Iterable[type[Controller]]) -> list[Any]:
    return [
        value
        for controller in controllers
        for value in vars(controller).values()
        if isinstance(value, HTTPRouteHandler)
    ]


def create_app(
    use_cases: Mapping[str, Callable[[], Any]],
    *,
    trusted_proxy_hops: int = 0,
    max_body_bytes: int,
    debug: bool = False,
    dev_routes: bool = False,
    metrics_route: bool = True,
    metrics_token: str | None = None,
    cors_allow_origins: tuple[str, ...] = (),
    browser_sessions: BrowserSessions | None = None,
    web_page: WebPage | None = None,
    lifespan: list[Callable[[Litestar], Any]] | None = None,
) -> Litestar:
    resolve_dependencies_in_turn()
    controllers: list[type[Controller] | Router] = [
        AuthController,
        UserController,
        ChatroomController,
        GemController,
        ModelController,
        UploadController,
        SearchController,
        ShareController,
        PublicShareController,
        ExportController,
        SubscriptionController,
        OperationsController,
        *([MetricsController] if metrics_route else []),
        *([DevController] if dev_routes else []),
        *([web_page_router(web_page)] if web_page is not None else []),
    ]
    return Litestar(
        route_handlers=controllers,
        dependencies={
            **build_dependencies(
                use_cases,
                route_handlers(CONTROLLERS),
                trusted_proxy_hops,
                browser_sessions or BrowserSessions(secure=True, refresh_ttl_seconds=30 * 24 * 3600),
            ),
            "metrics_token": Provide(lambda: metrics_token, use_cache=True, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=max_body_bytes,
        # Logging is configured once per process by entrypoints.logs, not by the framework.
        logging_config=None,
        cors_config=CORSConfig(
            allow_origins=list(cors_allow_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID", "X-Request-ID"],
            expose_headers=[
                "Location",
                "Retry-After",
                "X-Request-ID",
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
                "Idempotent-Replayed",
            ],
        )
        if cors_allow_origins
        else None,
        lifespan=lifespan or [],
        debug=debug,
        openapi_config=OpenAPIConfig(
            title="Gemini-style chat API",
            version="1.0.0",
            description=API_DESCRIPTION.strip(),
            path="/schema",
            # Short verbs that generated clients turn into method names: signUp, sendMessage.
            operation_id_creator=operation_id,
            render_plugins=[SwaggerRenderPlugin(path="/swagger")],
            components=Components(
                security_schemes={
                    "BearerAuth": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        bearer_format="JWT",
                        description="The access_token from /auth/verify-otp or /auth/login",
                    )
                }
            ),
        ),
    )
