"""Use cases and the caller's identity as Litestar dependencies.

dependency-injector's ``@inject`` does not work on Litestar handlers, so each use-case
provider is wrapped in a plain function and handed to ``Provide``. A handler names a use
case by the name of its provider (``send_message: SendMessage``): a new use case needs
its provider and its handler, nothing here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from litestar import Request
from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.connection import ASGIConnection
from litestar.di import Provide

from application.use_cases.authenticate import Authenticate, Principal
from domain.errors import Unauthenticated
from entrypoints.http.browser_sessions import ACCESS_COOKIE, BrowserSessions, require_same_site
from entrypoints.http.clients import client_address

BEARER_AUTH: list[dict[str, list[str]]] = [{"BearerAuth": []}]


def callers_use_cases(handlers: Iterable[Any], use_cases: Iterable[str]) -> frozenset[str]:
    """The use cases taken by handlers that act for a signed-in caller (they take the
    ``principal``). Each is built only once the caller is known: nothing is constructed
    for a request that fails authentication, and every dependency batch holds one
    provider, which Litestar awaits directly rather than in a task group of its own (a
    third of the framework's cost per request, measured)."""
    names = set(use_cases)
    taken = set()
    for handler in handlers:
        parameters = set(inspect.signature(handler.fn).parameters)
        if "principal" in parameters:
            taken |= parameters & names
    return frozenset(taken)


def _plain(provider: Callable[[], Any]) -> Callable[[], Any]:
    def provide() -> Any:
        return provider()

    return provide


def _after_caller(provider: Callable[[], Any]) -> Callable[..., Any]:
    # Typed Any so the framework passes the principal through without converting it.
    def provide(principal: Any) -> Any:
        return provider()

    return provide


def _principal(authenticate: Callable[[], Authenticate]) -> Callable[..., Any]:
    async def principal(request: Request[Any, Any, Any]) -> Principal:
        # Straight from the ASGI scope (names arrive lower-cased): building the framework's
        # header map for one header cost more than the rest of authentication.
        header = next((v for k, v in request.scope["headers"] if k == b"authorization"), None)
        if header is None and ACCESS_COOKIE in request.cookies:
            # A browser session (entrypoints.http.browser_sessions).
            require_same_site(request)
            return await authenticate().execute(request.cookies[ACCESS_COOKIE])
        scheme, _, token = (header or b"").decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Sign in and send the access token as 'Authorization: Bearer <token>'.")
        return await authenticate().execute(token.strip())

    return principal


def build_dependencies(
    use_cases: Mapping[str, Callable[[], Any]],
    handlers: Iterable[Any],
    trusted_proxy_hops: int,
    browser_sessions: BrowserSessions,
) -> dict[str, Provide]:
    """Every use case by its name, the caller's principal, address and request id."""
    handlers = list(handlers)
    for_caller = callers_use_cases(handlers, use_cases)
    dependencies = {
        name: Provide((_after_caller if name in for_caller else _plain)(provider), sync_to_thread=False)
        for name, provider in use_cases.items()
    }
    dependencies["principal"] = Provide(_principal(use_cases["authenticate"]))
    dependencies["request_id"] = Provide(_request_id, sync_to_thread=False)
    dependencies["browser_sessions"] = Provide(lambda: browser_sessions, use_cache=True, sync_to_thread=False)
    dependencies["caller_address"] = Provide(_caller_address(trusted_proxy_hops), sync_to_thread=False)
    return dependencies


def _request_id(request: Request[Any, Any, Any]) -> str | None:
    """The id RequestContextMiddleware gave this request; it follows a message into the worker."""
    state: dict[str, Any] = request.scope.get("state", {})
    return state.get("request_id")


def _caller_address(trusted_hops: int) -> Callable[..., str | None]:
    def caller_address(request: Request[Any, Any, Any]) -> str | None:
        scope = request.scope
        peer = scope.get("client")
        forwarded = (
            [v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"] if trusted_hops else []
        )
        return client_address(peer[0] if peer else None, forwarded, trusted_hops=trusted_hops)

    return caller_address


async def _resolve_in_turn(
    self: KwargsModel, connection: ASGIConnection[Any, Any, Any, Any], kwargs: dict[str, Any]
) -> DependencyCleanupGroup:
    cleanup_group = DependencyCleanupGroup()
    for batch in self.dependency_batches:
        for dependency in batch:
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


def resolve_dependencies_in_turn() -> None:
    """Litestar resolves a handler's independent dependencies concurrently, in an anyio
    task group per request. Ours are the caller (one token check) and use cases built
    by plain constructors: nothing to overlap, and the task group alone was a quarter of
    the CPU of a cached GET /chatroom (py-spy). Resolved one after another, the same
    values come out in the same order of need."""
    KwargsModel.resolve_dependencies = _resolve_in_turn  # type: ignore[method-assign]
