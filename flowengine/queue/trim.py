"""Trimming the work stream: acknowledged history goes, nothing pending or undelivered does.

Entries stay in ``<p>:work`` after their acknowledgement (a stream is a log). Every ``[queue]
trim_every`` seconds a coordinator removes the entries older than both the oldest pending entry and
the group's last delivered one (``XTRIM MINID``): never ``MAXLEN``, which could drop entries still
pending (SCALE.md §4, point 7).
"""

from __future__ import annotations

from typing import Any

from .keys import GROUP, Keys

__all__ = ["trim_work"]


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
