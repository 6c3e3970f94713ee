"""Trimming the work stream: acknowledged history goes, nothing pending or undelivered does.

Entries stay in ``<p>:work`` after their acknowledgement (a stream is a log). Every ``[queue]
trim_every`` seconds a coordinator removes the entries older than both the oldest pending entry and
the group's last delivered one (``XTRIM MINID``): never ``MAXLEN``, which could drop entries still
pending (SCALE.md §4, point 7). ``forget_gone_workers`` removes consumers and heartbeats of workers
silent for ``GONE_LEASES`` leases that hold nothing (what they held was reclaimed by then).
"""

from __future__ import annotations

import json
import time
from typing import Any

from .keys import GROUP, Keys

GONE_LEASES = 10

__all__ = ["forget_gone_workers", "trim_work"]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


async def trim_work(redis: Any, keys: Keys) -> int:
    """Remove acknowledged entries below every pending and undelivered one; how many went."""
    if not await redis.exists(keys.work):
        return 0
    groups = await redis.xinfo_groups(keys.work)
    group = next((g for g in groups if _text(g.get("name")) == GROUP), None)
    if group is None:
        return 0
    bounds = [_text(group.get("last-delivered-id") or "0-0")]
    summary = await redis.xpending(keys.work, GROUP)
    if summary.get("pending") and summary.get("min") is not None:
        bounds.append(_text(summary["min"]))
    floor = min(bounds, key=_key)
    if floor == "0-0":
        return 0
    return int(await redis.xtrim(keys.work, minid=floor, approximate=False))


async def forget_gone_workers(redis: Any, keys: Keys, lease: float) -> list[str]:
    """Delete the group's consumers idle for ``GONE_LEASES`` leases with nothing pending, and the
    heartbeats as old; the names of the workers forgotten."""
    gone: list[str] = []
    limit_ms = GONE_LEASES * lease * 1000
    if await redis.exists(keys.work):
        for consumer in await redis.xinfo_consumers(keys.work, GROUP):
            name = _text(consumer.get("name"))
            if int(consumer.get("pending") or 0) == 0 and int(consumer.get("idle") or 0) > limit_ms:
                await redis.xgroup_delconsumer(keys.work, GROUP, name)
                gone.append(name)
    now = time.time()
    for name, raw in (await redis.hgetall(keys.workers)).items():
        seen = float(json.loads(raw).get("seen") or 0)
        if now - seen > limit_ms / 1000:
            await redis.hdel(keys.workers, name)
            if _text(name) not in gone:
                gone.append(_text(name))
    return gone
