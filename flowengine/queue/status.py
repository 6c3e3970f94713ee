"""What the admin API and the editor show of queue mode: ``GET <admin root>/queue``.

``{"stream": {length, pending, lag}, "dead": n, "parked": n, "workers": [{name, alive, load, concurrency, done,
dead, reclaimed, parked, seen}], "coordinator": {enqueued, buffered, dropped, relayed}}``. A worker is alive
while its heartbeat is younger than three leases.
"""

from __future__ import annotations

import json
import time
from typing import Any

from .config import QueueConfig
from .keys import GROUP, Keys
from .redis_client import UNREACHABLE

__all__ = ["queue_status"]


async def queue_status(redis: Any, keys: Keys, config: QueueConfig) -> dict[str, Any]:
    """The queue's state as JSON; ``{"error": ...}`` when Redis cannot be reached."""
    try:
        length = int(await redis.xlen(keys.work))
        groups = await redis.xinfo_groups(keys.work) if length or await redis.exists(keys.work) else []
        dead = int(await redis.xlen(keys.dead))
        parked = int(await redis.zcard(keys.delayed))
        beats = await redis.hgetall(keys.workers)
    except UNREACHABLE as exc:
        return {"error": f"Redis unreachable: {exc}"}
    group: dict[str, Any] = next((g for g in groups if _text(g.get("name")) == GROUP), {})
    now = time.time()
    workers = []
    for name, raw in sorted(beats.items()):
        beat = json.loads(raw)
        seen = float(beat.get("seen") or 0)
        workers.append({"name": _text(name), "alive": now - seen < 3 * config.lease, **beat})
    return {
        "stream": {"length": length, "pending": int(group.get("pending") or 0), "lag": group.get("lag")},
        "dead": dead,
        "parked": parked,
        "workers": workers,
        "settings": {"boundary": list(config.boundary), "concurrency": config.concurrency, "lease": config.lease,
                     "max_deliver": config.max_deliver, "prefix": config.prefix},
    }


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
