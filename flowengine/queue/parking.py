"""Parking rate-limited calls: a 429 frees the worker instead of holding it.

When a boundary node of a hop reports an error with status 429 (an OpenAI node after its own short
retries, or a long ``Retry-After`` it would not wait for), the worker does not send the error to
the catch nodes: it *parks* the entry - ``ZADD <p>:delayed <due ms> <entry as JSON>`` and ``XACK`` in
one transaction - and takes other work. Every worker moves due entries back to the work stream
(one Lua script: atomic, so two workers never move one twice). An entry parked ``max_deliver``
times is not parked again: its error goes to the catch nodes.
"""

from __future__ import annotations

import json
import time
from typing import Any

from .envelope import Envelope
from .keys import GROUP, Keys

__all__ = ["DEFAULT_WAIT_S", "MAX_WAIT_S", "move_due", "park", "rate_limit_wait"]

DEFAULT_WAIT_S = 1.0
MAX_WAIT_S = 3600.0
MOVE = """local due = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, item in ipairs(due) do
  local f = cjson.decode(item)
  redis.call('xadd', KEYS[2], '*', 'rev', f.rev, 'node', f.node, 'msg', f.msg, 't', f.t, 'parks', f.parks)
  redis.call('zrem', KEYS[1], item)
end
return #due"""


def rate_limit_wait(err: Any) -> float | None:
    """Seconds to park for when ``err`` is a rate limit (status 429), from its ``retry-after-ms`` /
    ``retry-after`` header (``DEFAULT_WAIT_S`` without one); None for any other error."""
    if getattr(err, "status", None) != 429:
        return None
    headers = getattr(err, "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name) if isinstance(headers, dict) else None
        try:
            wait = float(value) * scale if value is not None else None
        except ValueError:
            wait = None  # an HTTP date: the default wait
        if wait is not None:
            return min(max(wait, 0.0), MAX_WAIT_S)
    return DEFAULT_WAIT_S


async def park(redis: Any, keys: Keys, entry: str, envelope: Envelope, wait: float, result_key: str) -> None:
    """Move ``entry`` to the delayed set for ``wait`` seconds (and acknowledge it), one transaction."""
    fields = envelope.fields()
    fields["parks"] = str(envelope.parks + 1)
    member = json.dumps({**fields, "entry": entry}, sort_keys=True)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.zadd(keys.delayed, {member: int((time.time() + wait) * 1000)})
        pipe.xack(keys.work, GROUP, entry)
        pipe.delete(result_key)
        await pipe.execute()


async def move_due(redis: Any, keys: Keys) -> int:
    """Put the parked entries that are due back into the work stream; how many."""
    return int(await redis.eval(MOVE, 2, keys.delayed, keys.work, int(time.time() * 1000)))
