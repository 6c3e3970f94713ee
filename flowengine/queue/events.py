"""Debug messages and node status from workers, shown in the coordinator's editor.

A worker's runtimes publish ``debug`` and ``status/<id>`` events on their own event buses; the
``EventForwarder`` adds them to the ``<p>:events`` stream (capped at ``MAXLEN`` entries: lossy by
design, like the debug sidebar itself) and every coordinator's ``EventRelay`` reads that stream
and publishes the events on its bus, where the comms websocket sends them to the editor (status
events retained, as the coordinator's own are).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from typing import Any

from ..events import EventBus
from .keys import Keys
from .redis_client import UNREACHABLE, keep_cancellation

__all__ = ["EventForwarder", "EventRelay"]

log = logging.getLogger("flowengine.queue")
MAXLEN = 10_000
BUFFER = 10_000


def forwarded(topic: str) -> bool:
    return topic == "debug" or topic.startswith("status/")


class EventForwarder:
    """Buffers a worker's debug/status events and adds them to the events stream (one task)."""

    def __init__(self, redis: Any, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys
        self.buffer: deque[tuple[str, str]] = deque(maxlen=BUFFER)
        self.sent = 0
        self._wake = asyncio.Event()
        self._writing = False

    def listener(self, topic: str, data: Any) -> None:
        """An ``EventBus`` listener: never blocks, drops the oldest events when Redis falls behind."""
        if forwarded(topic):
            self.buffer.append((topic, json.dumps(data, default=str, separators=(",", ":"))))
            self._wake.set()

    async def run(self) -> None:
        """Write buffered events until cancelled (Redis outages: kept and retried by the caller's loop)."""
        if not self.buffer:
            self._wake.clear()
            await self._wake.wait()
        batch = [self.buffer.popleft() for _ in range(len(self.buffer))]  # lossy on an outage, by design
        self._writing = True
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for topic, data in batch:
                    pipe.xadd(self.keys.events, {"topic": topic, "data": data}, maxlen=MAXLEN, approximate=True)
                await pipe.execute()
        finally:
            self._writing = False
        self.sent += len(batch)

    async def drain(self, timeout: float) -> None:
        """Wait (at most ``timeout``) until what is buffered has been written (shutdown)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while (self.buffer or self._writing) and loop.time() < end:
            await asyncio.sleep(0.01)


class EventRelay:
    """Publishes the workers' events from the events stream on a coordinator's ``EventBus``."""

    def __init__(self, redis: Any, keys: Keys, events: EventBus) -> None:
        self.redis = redis
        self.keys = keys
        self.events = events
        self.relayed = 0
        self._last = "$"

    async def run(self) -> None:
        """Relay until cancelled; an unreachable Redis is waited out with backoff."""
        failures = 0
        while True:
            try:
                reply = await self.redis.xread({self.keys.events: self._last}, count=500, block=1000)
                failures = 0
            except UNREACHABLE as exc:
                keep_cancellation()
                failures += 1
                if failures in (1, 10) or failures % 100 == 0:
                    log.warning("queue: cannot read worker events from Redis (%s); retrying", exc)
                await asyncio.sleep(min(2.0, 0.05 * 2 ** min(failures, 6)))
                continue
            for _stream, entries in reply or []:
                for entry_id, fields in entries:
                    self._last = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
                    self._publish(fields)

    def _publish(self, fields: dict[Any, Any]) -> None:
        topic = fields.get(b"topic", fields.get("topic"))
        data = fields.get(b"data", fields.get("data"))
        if topic is None or data is None:
            return
        name = topic.decode() if isinstance(topic, bytes) else str(topic)
        try:
            value = json.loads(data)
        except ValueError:
            log.warning("queue: a worker event on %s is not JSON; ignored", name)
            return
        self.events.publish(name, value, retain=name.startswith("status/"))
        self.relayed += 1
