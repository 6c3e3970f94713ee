"""What an app measures between two ``GET /metrics`` scrapes: the event loop's lag.

``Observability`` is created with the app and samples the loop's lag from the app's start
(``LoopLag``, into a ``LagHistogram``: the bucket counts, sum and creation time that
prometheus-client's ``Histogram`` would keep). prometheus-client itself (~15-20 ms of a start,
2026-12-07) is imported by the first scrape, which builds the app's registry once (``metrics``);
the scrape's text is the same as with a ``Histogram`` observed from the start.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..runtime import Runtime

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

__all__ = ["LAG_BUCKETS", "LAG_INTERVAL_S", "LagHistogram", "LoopLag", "Observability"]

LAG_INTERVAL_S = 0.5
LAG_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class LagHistogram:
    """Observed amounts by bucket (upper bounds ``bounds`` then +Inf; each amount counted in the
    first bucket it fits), their sum and count, and when the histogram was created (wall clock)."""

    def __init__(self, bounds: tuple[float, ...] = LAG_BUCKETS) -> None:
        self.bounds = (*bounds, math.inf)
        self.counts = [0.0] * len(self.bounds)
        self.sum = 0.0
        self.created = time.time()

    def observe(self, amount: float) -> None:
        self.sum += amount
        for i, bound in enumerate(self.bounds):
            if amount <= bound:
                self.counts[i] += 1
                break


class LoopLag:
    """Samples how late the event loop wakes a sleeper (a blocked loop delays every message)."""

    def __init__(self, histogram: LagHistogram | None = None, interval_s: float = LAG_INTERVAL_S) -> None:
        self.histogram = histogram if histogram is not None else LagHistogram()
        self.interval_s = interval_s
        self.last = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="flowengine-loop-lag")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(self.interval_s)
            self.last = max(0.0, loop.time() - before - self.interval_s)
            self.histogram.observe(self.last)


class Observability:
    """One app's loop-lag sampler and metrics registry (no process-wide prometheus state); the
    registry is built by the first scrape."""

    def __init__(self, runtime: Runtime, comms_clients: Callable[[], int] | None = None) -> None:
        self.runtime = runtime
        self.comms_clients = comms_clients
        self.lag = LoopLag()
        self._registry: CollectorRegistry | None = None

    @property
    def registry(self) -> CollectorRegistry:
        if self._registry is None:
            from .metrics import build_registry

            self._registry = build_registry(self.runtime, self.comms_clients, self.lag)
        return self._registry

    def exposition(self) -> tuple[bytes, str]:
        """The registry in Prometheus' text format, and its content type."""
        from .metrics import exposition

        return exposition(self.registry)
