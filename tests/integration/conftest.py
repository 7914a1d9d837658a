from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from dependency_injector import providers
from litestar.testing import AsyncTestClient

from adapters.memory.job_queue import InMemoryJobQueue
from devstack.services import free_port
from entrypoints.asgi import build_app
from entrypoints.container import Container
from tests.fakes.background import BackgroundServer
from tests.fakes.llm_server import background_llm
from tests.http.conftest import Api


@pytest.fixture
async def real_api(real_container: Container) -> AsyncIterator[Api]:
    """The HTTP app on PostgreSQL and Redis; replies are written in process (the worker
    itself is exercised by the end-to-end tests)."""
    real_container.adapters.job_queue.override(
        providers.Singleton(
            InMemoryJobQueue,
            reply_writer=real_container.generate_reply.provider,
            export_writer=real_container.write_export.provider,
            backoff_seconds=0,
        )
    )
    app = build_app(real_container.settings(), real_container)
    async with AsyncTestClient(app=app) as client:
        yield Api(client, real_container)


@pytest.fixture(scope="module")
def fake_server() -> Iterator[BackgroundServer]:
    """The wire-level fake Gemini and OpenAI-compatible server, over real HTTP."""
    server = background_llm(free_port()).start()
    yield server
    server.stop()
