"""Opening and closing what a process holds (connections, pools), outside the provider
graph so it stays synchronous. The API calls these from its lifespan, the worker from
its boot and shutdown."""

from __future__ import annotations

import contextlib

from adapters.postgres.migrate import ensure_schema_is_current
from entrypoints.container import Container


async def open_resources(container: Container) -> None:
    if container.settings().adapters == "real":
        await ensure_schema_is_current(container.engine())


def follow_cache_invalidations(container: Container) -> None:
    """Only processes that serve reads follow the feed; the others keep no copies."""
    container.invalidations().follow()


async def close_resources(container: Container) -> None:
    container.passwords().close()
    if container.settings().otp_delivery in ("twilio", "webhook"):
        await container.otp_http().aclose()
    if container.settings().llm_provider != "fake":
        await container.llm_http().aclose()
    if container.settings().payment_provider == "stripe":
        await container.stripe_http().close_async()  # type: ignore[no-untyped-call]
    await container.invalidations().stop()
    if container.settings().adapters == "memory":
        await container.job_queue().close()
        return
    await container.engine().dispose()
    for client in (container.redis(), container.redis_streams()):
        with contextlib.suppress(Exception):
            await client.aclose()
    container.broker().close()
