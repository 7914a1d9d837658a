from __future__ import annotations

import pytest
from dependency_injector import providers

from entrypoints.container import Container
from tests.support import ManualJobQueue, MutableClock, make_container


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()


@pytest.fixture
def container(clock: MutableClock) -> Container:
    return make_container(clock)


@pytest.fixture
def manual_queue(container: Container) -> ManualJobQueue:
    queue = ManualJobQueue()
    container.job_queue.override(providers.Object(queue))
    return queue
