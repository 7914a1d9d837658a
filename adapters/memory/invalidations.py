"""The invalidation feed within one process (and between the "processes" a test builds
on one in-memory database): every listener following the bus hears every change."""

from __future__ import annotations

from application.ports.caching import CacheListener


class InMemoryInvalidationBus:
    def __init__(self) -> None:
        self.listeners: list[CacheListener] = []


class InMemoryInvalidationFeed:
    def __init__(self, bus: InMemoryInvalidationBus, listener: CacheListener) -> None:
        self._bus = bus
        self._listener = listener

    async def publish(self, scope: str, owner_id: str) -> None:
        for listener in self._bus.listeners:
            listener.drop(scope, owner_id)

    def follow(self) -> None:
        """Nothing can be missed in one process: trusted from the start."""
        if self._listener not in self._bus.listeners:
            self._bus.listeners.append(self._listener)
        self._listener.trust()

    async def stop(self) -> None:
        if self._listener in self._bus.listeners:
            self._bus.listeners.remove(self._listener)
        self._listener.distrust()
