from __future__ import annotations

from redis.asyncio import Redis


def create_client(url: str, *, socket_timeout: float, max_connections: int = 100) -> Redis:
    """A pooled asyncio client. Short timeouts: a Redis that hangs must not hang requests,
    and a bounded pool: past ``max_connections`` a command fails at once (callers treat
    it like Redis being unavailable) instead of opening connections without end."""
    return Redis.from_url(
        url,
        max_connections=max_connections,
        socket_timeout=socket_timeout,
        socket_connect_timeout=2.0,
        health_check_interval=30,
        retry_on_timeout=False,
    )
