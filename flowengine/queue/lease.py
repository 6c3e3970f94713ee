"""``TriggerLease``: only one coordinator at a time runs trigger nodes (inject, mqtt in, watch, ...).

The holder owns ``<p>:leader`` (``SET NX PX lease``, renewed every ``lease/3`` by a compare-and-
``PEXPIRE`` script) and gets a fencing token (``INCR <p>:leader:term``) for each new term. It counts
itself the holder only until ``lease * SAFETY`` after the renewal was *sent*: the key lives at least
``lease`` from then, so a holder that stops renewing (stalled, cut off, killed) has stopped firing
before the key expires and another coordinator can take over - no tick fires on two holders. A
killed holder's successor takes over within about ``lease``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from .keys import Keys
from .redis_client import UNREACHABLE, keep_cancellation

__all__ = ["SAFETY", "TriggerLease"]

log = logging.getLogger("flowengine.queue")
SAFETY = 0.8
RENEW = """if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0"""
RELEASE = """if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0"""


class TriggerLease:
    """The trigger lease of one coordinator named ``name``; ``holds()`` says whether to fire now."""

    def __init__(self, redis: Any, keys: Keys, name: str, lease: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.redis = redis
        self.keys = keys
        self.name = name
        self.lease = lease
        self.clock = clock
        self.token: int | None = None
        """Fencing token of the current term (None when not the holder)."""
        self.terms = 0
        self._valid_until = 0.0

    def holds(self) -> bool:
        return self.token is not None and self.clock() < self._valid_until

    async def step(self) -> None:
        """Take the lease when it is free, or renew it when held (one round trip or two)."""
        sent = self.clock()
        ms = int(self.lease * 1000)
        if self.token is not None:
            # also after a stall that outlasted the local validity: while the key still names this
            # coordinator nobody else has held it, so the term goes on (without this, the key
            # blocked every coordinator, this one included, until it expired)
            if await self.redis.eval(RENEW, 1, self.keys.leader, self.name, ms):
                self._valid_until = sent + self.lease * SAFETY
                return
            log.warning("queue: trigger lease lost (term %s): trigger nodes stop here", self.token)
            self.token = None
        if await self.redis.set(self.keys.leader, self.name, nx=True, px=ms):
            self._valid_until = sent + self.lease * SAFETY
            self.token = int(await self.redis.incr(self.keys.term))
            self.terms += 1
            log.info("queue: trigger lease taken (term %d): trigger nodes run on this coordinator", self.token)

    async def run(self) -> None:
        """Keep taking/renewing every ``lease/3`` until cancelled; Redis outages end the term locally."""
        while True:
            try:
                await self.step()
            except UNREACHABLE as exc:
                keep_cancellation()
                log.warning("queue: trigger lease not renewed (%s)", exc)
            await asyncio.sleep(self.lease / 3)

    async def release(self) -> None:
        """Give the lease up (clean shutdown): another coordinator takes over at once."""
        if self.token is not None:
            self.token = None
            try:
                await self.redis.eval(RELEASE, 1, self.keys.leader, self.name)
            except UNREACHABLE as exc:
                keep_cancellation()
                log.warning("queue: trigger lease not released (%s); it expires on its own", exc)
