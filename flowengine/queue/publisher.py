"""``Publisher``: adds envelopes to streams from synchronous code (the dispatcher's handoff).

``put`` only appends to a buffer; one task owned by the publisher writes the buffer in pipelined
``XADD`` batches. While Redis is unreachable the batch is kept and retried with backoff (the
buffer is bounded: past ``limit`` the oldest envelopes are dropped and counted, with a log line).
``close`` writes what is left, within a bound.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from .envelope import Envelope
from .keys import Keys
from .redis_client import UNREACHABLE, keep_cancellation, stop_tasks

__all__ = ["Publisher"]

log = logging.getLogger("flowengine.queue")
BATCH = 500
LIMIT = 100_000
BACKOFF_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0)


class Publisher:
    """Buffered, batched ``XADD`` of envelopes to ``keys.work``."""

    def __init__(self, redis: Any, keys: Keys, *, before: Callable[[set[str]], Awaitable[None]] | None = None,
                 limit: int = LIMIT) -> None:
        """``before(revs)`` runs before a batch holding those revs is written (publish the flows)."""
        self.redis = redis
        self.keys = keys
        self.before = before
        self.limit = limit
        self.buffer: deque[tuple[str, Envelope]] = deque()
        self.added = 0
        self.dropped = 0
        self._wake = asyncio.Event()
        self._nudged = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="flowengine-queue-publisher")

    def put(self, envelope: Envelope, stream: str | None = None) -> None:
        """Add ``envelope`` to ``stream`` (default: the work stream) soon."""
        if len(self.buffer) >= self.limit:
            self.buffer.popleft()
            self.dropped += 1
            if self.dropped in (1, 10, 100) or self.dropped % 1000 == 0:
                log.error("queue: %d messages dropped: Redis is unreachable and %d are waiting", self.dropped,
                          self.limit)
        self.buffer.append((stream or self.keys.work, envelope))
        self._wake.set()

    def nudge(self) -> None:
        """Run ``before`` soon even when nothing is buffered (a deploy: publish its flows)."""
        self._nudged = True
        self._wake.set()

    async def _run(self) -> None:
        failures = 0
        while True:
            if not self.buffer and not self._nudged:
                self._wake.clear()
                await self._wake.wait()
            self._nudged = False
            batch = [self.buffer[i] for i in range(min(BATCH, len(self.buffer)))]
            try:
                await self._write(batch)
            except UNREACHABLE as exc:
                keep_cancellation()
                delay = BACKOFF_S[min(failures, len(BACKOFF_S) - 1)]
                failures += 1
                if failures in (1, 10) or failures % 100 == 0:
                    log.warning("queue: cannot add %d messages to Redis (%s); retrying", len(batch), exc)
                await asyncio.sleep(delay)
                continue
            failures = 0
            for _ in batch:
                self.buffer.popleft()
            self.added += len(batch)

    async def _write(self, batch: list[tuple[str, Envelope]]) -> None:
        if self.before is not None:
            await self.before({e.rev for _, e in batch})
        if not batch:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for stream, envelope in batch:
                pipe.xadd(stream, envelope.fields())
            await pipe.execute()

    async def close(self, timeout: float = 5.0) -> None:
        """Write what is buffered (up to ``timeout``), then stop; what could not be written is logged."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while self.buffer and self._task is not None and not self._task.done() and loop.time() < end:
            await asyncio.sleep(0.01)
        task, self._task = self._task, None
        if task is not None:
            await stop_tasks([task], "the publisher")
        if self.buffer:
            log.error("queue: %d messages were not added to Redis before shutdown", len(self.buffer))

