"""``TriggerGate``: trigger nodes fire only on the trigger lease's holder, and pause under backpressure.

Trigger nodes (``TRIGGER_TYPES``: inject, mqtt in, watch, tcp in, udp in) start messages from
outside the flows. In queue mode every coordinator runs the same flows, so the gate wraps each
trigger node's ``send``: a message is dropped (counted in ``skipped``) unless this coordinator holds
the ``TriggerLease``, and while more than ``[queue] high_water`` entries wait in the work stream
(pending + not yet delivered) - inject pauses instead of piling up work the workers cannot take.
A user's inject (the editor's button, ``POST /inject/:id``) is not a tick: whichever coordinator
the request reached sends it (``by_hand``), lease or not, backlog or not - one message a person asked for.
HTTP-in is not a trigger: it accepts on every coordinator, but while paused a request whose message
reaches a boundary node is answered 503 (``Coordinator.boundary_for``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from ..route import Route
from ..types import SendArg
from .keys import GROUP, Keys
from .lease import TriggerLease
from .redis_client import UNREACHABLE, keep_cancellation

__all__ = ["TRIGGER_TYPES", "TriggerGate"]

log = logging.getLogger("flowengine.queue")
TRIGGER_TYPES = frozenset({"inject", "mqtt in", "watch", "tcp in", "udp in"})
BACKLOG_POLL_S = 0.5


class TriggerGate:
    """Gates the ``send`` of trigger nodes on the lease and the work stream's backlog."""

    def __init__(self, lease: TriggerLease, high_water: int, by_hand: Callable[[], bool] = lambda: False) -> None:
        """``by_hand()`` is true while a user's inject sends (``Runtime.by_hand``)."""
        self.lease = lease
        self.by_hand = by_hand
        self.high_water = high_water
        self.paused = False
        self.backlog = 0
        self.skipped = 0

    def wrap(self, route: Route) -> None:
        """Gate ``route``'s sends when its node is a trigger node."""
        if route.spec.type not in TRIGGER_TYPES:
            return
        def wrap(send: Callable[[SendArg], None]) -> Callable[[SendArg], None]:
            def gated(arg: SendArg) -> None:
                if (self.lease.holds() and not self.paused) or self.by_hand():
                    send(arg)
                else:
                    self.skipped += 1

            return gated

        route.gate(wrap)

    async def watch_backlog(self, redis: Any, keys: Keys) -> None:
        """Poll the backlog until cancelled; pause the triggers above ``high_water``."""
        while True:
            try:
                groups = await redis.xinfo_groups(keys.work)
                group = next((g for g in groups if g.get("name") in (GROUP, GROUP.encode())), None)
                if group is not None:
                    self.backlog = int(group.get("pending") or 0) + int(group.get("lag") or 0)
                    paused = self.backlog > self.high_water
                    if paused != self.paused:
                        log.warning("queue: %d entries waiting: trigger nodes %s", self.backlog,
                                    "paused" if paused else "resumed")
                    self.paused = paused
            except UNREACHABLE as exc:
                keep_cancellation()
                log.debug("queue: backlog not read: %s", exc)
            await asyncio.sleep(BACKLOG_POLL_S)
