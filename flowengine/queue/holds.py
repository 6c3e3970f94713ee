"""``SharedHolds``: rate-limit waits shared by every worker (``settings.extra["openai_holds"]``).

When an OpenAI config node's client gets a 429 that asks it to wait, it holds its own new requests
for that long; in queue mode the same key is used by every worker, so the hold goes to Redis too:
``<p>:hold:<key hash>`` with that many milliseconds to live (only ever lengthened, by a script).
Before sending, a client waits for what is left of it. Redis being unreachable never fails a call:
the hold is then only local (logged).
"""

from __future__ import annotations

import logging
from typing import Any

from .keys import Keys
from .redis_client import UNREACHABLE

__all__ = ["SharedHolds"]

log = logging.getLogger("flowengine.queue")
EXTEND = """local left = redis.call('pttl', KEYS[1])
if left < tonumber(ARGV[1]) then redis.call('set', KEYS[1], '1', 'PX', ARGV[1]) end
return 1"""


class SharedHolds:
    """``remaining(key)`` / ``extend(key, seconds)`` on Redis keys under ``keys.prefix``."""

    def __init__(self, redis: Any, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys

    def _key(self, key: str) -> str:
        return f"{self.keys.prefix}:hold:{key}"

    async def remaining(self, key: str) -> float:
        """Seconds left of the hold on ``key`` (0 when none)."""
        try:
            left = int(await self.redis.pttl(self._key(key)))
        except UNREACHABLE as exc:
            log.warning("queue: shared rate-limit hold not read (%s)", exc)
            return 0.0
        return left / 1000.0 if left > 0 else 0.0

    async def extend(self, key: str, seconds: float) -> None:
        """Hold ``key`` for at least ``seconds`` from now, for every process."""
        ms = int(seconds * 1000)
        if ms <= 0:
            return
        try:
            await self.redis.eval(EXTEND, 1, self._key(key), ms)
        except UNREACHABLE as exc:
            log.warning("queue: shared rate-limit hold not written (%s)", exc)
