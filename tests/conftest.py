from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from dependency_injector import providers

from entrypoints.container import Container
from entrypoints.resources import close_resources
from tests.stack import Stack, start_stack
from tests.support import ManualJobQueue, MutableClock, make_container, make_settings


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    started = start_stack()
    yield started
    if started.redis is not None:
        started.redis.stop()


@pytest.fixture
async def real_container(stack: Stack, clock: MutableClock, tmp_path: Path) -> AsyncIterator[Container]:
    """The real adapter set (PostgreSQL, Redis, Dramatiq, files on disk) on empty stores."""
    await stack.empty()
    container = make_container(clock, make_settings(ADAPTERS="real", FILES_DIR=str(tmp_path / "files"), **stack.env()))
    yield container
    await close_resources(container)


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()


@pytest.fixture
def container(clock: MutableClock) -> Container:
    return make_container(clock)


@pytest.fixture
def manual_queue(container: Container) -> ManualJobQueue:
    queue = ManualJobQueue()
    container.adapters.job_queue.override(providers.Object(queue))
    return queue
