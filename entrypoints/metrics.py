"""The /metrics text: this process's registry, with the queue depth read at scrape time."""

from __future__ import annotations

from adapters.prometheus.telemetry import PrometheusTelemetry
from application.ports.services import JobQueue


class MetricsExporter:
    def __init__(self, telemetry: PrometheusTelemetry, queue: JobQueue) -> None:
        self._telemetry = telemetry
        self._queue = queue

    async def render(self) -> bytes:
        return self._telemetry.render(queue_depth=await self._queue.depth())
