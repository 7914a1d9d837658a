from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from application.ports.services import DependencyProbe

PROBE_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Readiness:
    ready: bool
    checks: dict[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckReadiness:
    """Ask every backing service whether it answers, all at once, each with a timeout."""

    probes: Sequence[DependencyProbe]

    async def execute(self) -> Readiness:
        results = await asyncio.gather(*(self._ask(probe) for probe in self.probes))
        checks = {probe.name: "ok" if ok else "unavailable" for probe, ok in zip(self.probes, results, strict=True)}
        return Readiness(ready=all(results), checks=checks)

    @staticmethod
    async def _ask(probe: DependencyProbe) -> bool:
        try:
            return await asyncio.wait_for(probe.ping(), PROBE_TIMEOUT_SECONDS)
        except Exception:
            return False
