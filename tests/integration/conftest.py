from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from dependency_injector import providers
from litestar.testing import AsyncTestClient

from adapters.memory.job_queue import InMemoryJobQueue
from entrypoints.asgi import build_app
from entrypoints.container import Container
from tests.http.conftest import Api


@pytest.fixture
async def real_api(real_container: Container) -> AsyncIterator[Api]:
    """The HTTP app on PostgreSQL and Redis; replies are written in process (the worker
    itself is exercised by the end-to-end tests)."""
    real_container.adapters.job_queue.override(
        providers.Singleton(InMemoryJobQueue, reply_writer=real_container.generate_reply.provider, backoff_seconds=0)
    )
    app = build_app(real_container.settings(), real_container)
    async with AsyncTestClient(app=app) as client:
        yield Api(client, real_container)
