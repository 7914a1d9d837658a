from __future__ import annotations

from redis.asyncio import Redis


def create_client(url: str, *, socket_timeout: float) -> Redis:
    """A pooled asyncio client. Short timeouts: a Redis that hangs must not hang requests."""
    return Redis.from_url(
        url,
        socket_timeout=socket_timeout,
        socket_connect_timeout=2.0,
        health_check_interval=30,
        retry_on_timeout=False,
    )
