"""Opening and closing what a process holds (connections, pools), outside the provider
graph so it stays synchronous. The API calls these from its lifespan, the worker from
its boot and shutdown. Each part of the wiring knows what it holds (its open/close)."""

from __future__ import annotations

from entrypoints.container import Container


async def open_resources(container: Container) -> None:
    await container.adapters.open()


def follow_cache_invalidations(container: Container) -> None:
    """Only processes that serve reads follow the feed; the others keep no copies."""
    container.adapters.invalidations().follow()


async def close_resources(container: Container) -> None:
    await container.services.close()
    await container.adapters.close()
