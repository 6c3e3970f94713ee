"""The delivery queue: one ``Dispatcher`` per runtime and the loop task that drains it.

Delivery (Node-RED's ``setImmediate`` semantics, without a task per message): every send appends
``(route, msg)`` to one FIFO deque per runtime; a single loop task drains it, calling synchronous
input handlers inline and yielding to the event loop every ``BATCH`` deliveries so I/O and timers
run. This gives breadth-first order, keeps per-wire order, and never grows the stack in loops.
Async handlers run as tasks owned by their node (cancelled when it closes).

Memory (bounded under bursts, documented departure from Node-RED, which grows without bound):
when more than ``BURST_AT`` deliveries are queued, a message sent to a node that has nothing
waiting in the main queue goes to a second, *urgent* FIFO that is drained first. A burst (a split
of 100,000 parts) then flows through the downstream nodes part by part instead of piling up
100,000 messages in front of every hop. Per-wire order is kept: a target with deliveries still in
the main queue keeps receiving through the main queue, and the urgent queue always runs first.
Below ``BURST_AT`` the order is exactly Node-RED's breadth-first order. With more than
``DEFER_CLONES_AT`` deliveries queued, a fan-out send takes a single queue entry and its clones are
taken when that entry reaches the head of its queue (instead of at send time): far fewer live
copies, at the price that a sender mutating a message *after* sending it would be seen by the
clones too (Node-RED's function node clones before sending, so flows do not rely on this).

Messages in flight are bounded (``maxMessagesInFlight``, default ``MAX_IN_FLIGHT``; Node-RED has
no bound): a send that would queue more fails as the sending node's catchable error
(``Route.refuse``), so a loop where each node feeds two others levels off instead of eating the
machine.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from .message import clone_msg
from .node import NodeStats
from .reporting import error_text, report_error
from .types import Msg, SendArg

if TYPE_CHECKING:
    from .route import Route

__all__ = ["BATCH", "BURST_AT", "DEFER_CLONES_AT", "MAX_IN_FLIGHT", "ROOM_LIMIT", "Dispatcher"]

log = logging.getLogger("flowengine.flow")
BATCH = 512
"""Deliveries between two yields to the event loop."""
ROOM_LIMIT = 10_000
"""Queue length ``Flow.room()`` waits for (back-pressure for bursty producers)."""
BURST_AT = 10_000
"""Main-queue length above which idle targets are served through the urgent queue."""
MAX_IN_FLIGHT = 250_000
"""Default of ``maxMessagesInFlight``: deliveries queued at once across the runtime."""
DEFER_CLONES_AT = 1024
"""Queue length above which a fan-out send defers its clones until it reaches the queue head."""


class _NoFlow:
    """The flow an expander stands in: no complete node watches a queue entry."""

    complete_map: dict[str, Any] = {}


class _Expander:
    """Queue head action for a deferred fan-out: clone now, put the events back at the head.

    It is delivered as a transform (returning nothing) of its entry: ``(msg, targets)`` for one
    message to every target of a port (``Dispatcher.push_fan_out``), or a list of ``(target, msg)``
    events (``Dispatcher.push_group``)."""

    __slots__ = ("closed", "counts_pending", "direct", "handoff", "node", "pending", "queue", "stats")

    _async_input = False
    _transform_input = True
    flow = _NoFlow

    def __init__(self, queue: deque[tuple[Route, Msg]], counts_pending: bool) -> None:
        self.queue = queue
        self.counts_pending = counts_pending
        """Its targets count their message as pending (the main queue's expander)."""
        self.closed = False
        self.handoff = None
        self.direct = None
        self.pending = 0
        self.node = self
        self.stats = NodeStats()

    def transform(self, entry: Any) -> None:
        q = self.queue
        if entry.__class__ is tuple:
            msg, targets = entry
            i = len(targets) - 1
            try:
                while i > 0:
                    q.appendleft((targets[i], clone_msg(msg)))
                    i -= 1
            finally:
                q.appendleft((targets[0], msg))
                if i > 0:
                    self._not_queued(targets[1:i + 1])
            return
        i = len(entry) - 1
        try:
            while i > 0:
                target, m = entry[i]
                q.appendleft((target, clone_msg(m)))
                i -= 1
        finally:
            q.appendleft(entry[0])
            if i > 0:
                self._not_queued([t for t, _ in entry[1:i + 1]])

    def _not_queued(self, targets: list[Route]) -> None:
        """A clone failed (the error goes to the log): the targets left without their message no
        longer count it as waiting in the main queue."""
        if self.counts_pending:
            for target in targets:
                target.pending -= 1

    def error(self, err: Any, msg: Any = None) -> bool:
        log.error("a fan-out could not be cloned: %s", error_text(err))
        return False


class Dispatcher:
    """The FIFO of pending deliveries and the loop task that drains it."""

    def __init__(self, limit: int = MAX_IN_FLIGHT) -> None:
        self.limit = max(1, limit)
        """Deliveries the queues may hold (``maxMessagesInFlight``); a send beyond is refused."""
        self.fast_until = min(BURST_AT, self.limit - 1)
        """Main-queue length up to which a single-target send is queued without further checks."""
        self.refused = 0
        """Messages refused so far because the queues were full."""
        self._logged: dict[str, float] = {}
        self.queue: deque[tuple[Route, Msg]] = deque()
        self.urgent: deque[tuple[Route, Msg]] = deque()
        self.expander = _Expander(self.queue, True)
        self.urgent_expander = _Expander(self.urgent, False)
        self.idle = True
        self.delivered = 0
        self._event: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._inline = False

    def start(self) -> None:
        if self._task is None:
            self._event = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="flowengine-dispatch")

    def wake(self) -> None:
        self.idle = False
        if self._event is not None:
            self._event.set()

    def push(self, route: Route, msg: Msg) -> None:
        """Queue one delivery (main queue, or the urgent one under a burst; see module docstring)."""
        q = self.queue
        if route.pending or len(q) <= BURST_AT:
            route.pending += 1
            q.append((route, msg))
        else:
            self.urgent.append((route, msg))
        if self.idle:
            self.wake()

    def push_group(self, events: list[tuple[Route, Msg]]) -> None:
        """Queue a send of several deliveries as one entry; its clones are taken when it reaches
        the head."""
        self._push_deferred(events, [t for t, _ in events])

    def push_fan_out(self, msg: Msg, targets: list[Route]) -> None:
        """``push_group`` for one message to every target of a port: the entry is ``(msg, targets)``."""
        self._push_deferred((msg, targets), targets)

    def _push_deferred(self, entry: Any, targets: list[Route]) -> None:
        q = self.queue
        if len(q) > BURST_AT:
            for t in targets:
                if t.pending:
                    break
            else:  # no target has a delivery waiting in the main queue: serve them part by part
                self.urgent.append((self.urgent_expander, entry))  # type: ignore[arg-type]
                if self.idle:
                    self.wake()
                return
        for t in targets:
            t.pending += 1
        self.expander.pending += 1
        q.append((self.expander, entry))  # type: ignore[arg-type]
        if self.idle:
            self.wake()

    def may_log(self, node_id: str) -> bool:
        """Whether a refused send of ``node_id`` may be logged now (once a second per node)."""
        now = time.monotonic()
        if now - self._logged.get(node_id, -1.0) < 1.0:
            return False
        if len(self._logged) > 1000:
            self._logged.clear()
        self._logged[node_id] = now
        return True

    def queued_by_node(self) -> Counter[str]:
        """Deliveries waiting in both queues, counted by target node id."""
        counts: Counter[str] = Counter()
        for q in (self.queue, self.urgent):
            for route, msg in q:
                if isinstance(route, _Expander):
                    targets = msg[1] if msg.__class__ is tuple else [t for t, _ in msg]
                    for target in targets:
                        counts[target.node.id] += 1
                elif not route.closed:
                    counts[route.node.id] += 1
        return counts

    def backlog(self) -> int:
        """Deliveries waiting in both queues."""
        return len(self.queue) + len(self.urgent)

    async def room(self, limit: int = ROOM_LIMIT) -> None:
        """Wait until at most ``limit`` deliveries are queued: back-pressure for a node that emits
        a large burst (split of a huge array, file lines...) from an async handler or task."""
        while self.backlog() > limit and self._task is not None:
            await asyncio.sleep(0)

    async def drained(self, timeout: float = 5.0) -> None:
        """Wait until the queue is empty (tests and shutdown)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while self.queue or self.urgent or not self.idle:
            if loop.time() > end:
                raise TimeoutError(f"{self.backlog()} deliveries still queued")
            await asyncio.sleep(0.001)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                if not task.cancelled():
                    raise
        self.queue.clear()
        self.urgent.clear()

    def deliver_now(self, send: Callable[[SendArg], None], arg: SendArg) -> None:
        """``send(arg)``, and when the loop task was waiting for work, deliver what it queued (one
        ``BATCH`` at most) in the caller's turn of the event loop instead of the task's next one.

        For a node answering a request from outside (``http in``): its flow's first hops run at
        once, and an answer they give is there before the caller awaits it. A request otherwise
        waited two turns more, one for this task to wake and one for the request's own task
        (2026-12-07: four turns of the event loop on a request's critical path before, two after;
        the server's instructions a request -11 %). Nothing else can be queued then, so the order
        is the one the task would have delivered in; anything left is delivered by the task."""
        if not self.idle or self._inline or self._task is None:
            send(arg)
            return
        self.idle = False  # sends do not wake the task: this turn delivers them
        self._inline = True
        try:
            send(arg)
            self.delivered += self._deliver()
        finally:
            self._inline = False
            if self.queue or self.urgent:
                self.wake()
            else:
                self.idle = True

    async def _run(self) -> None:
        q = self.queue
        urgent = self.urgent
        event = self._event
        assert event is not None
        while True:
            if not q and not urgent:
                self.idle = True
                event.clear()
                await event.wait()
                self.idle = False
                continue
            self.delivered += self._deliver()
            if q or urgent:  # else straight to the idle wait: no turn of the loop for nothing
                await asyncio.sleep(0)

    def _deliver(self) -> int:
        """Deliver up to ``BATCH`` queued messages, the urgent queue first; returns how many were
        taken. The last one's message does not stay alive in a frame once it returns: an HTTP
        request whose message was dropped is answered 503 when its msg.res dies."""
        q = self.queue
        urgent = self.urgent
        popleft = q.popleft
        upopleft = urgent.popleft
        fast_until = self.fast_until
        for i in range(BATCH):
            if urgent:
                route, msg = upopleft()
            elif q:
                route, msg = popleft()
                route.pending -= 1
            else:
                return i
            if route.closed:
                continue
            if route.handoff is not None:  # a queue-mode boundary: the message goes to the queue
                route.handoff(msg)
                continue
            node = route.node
            node.stats.received += 1
            try:
                if node._transform_input:  # on_input's work without its send and done callables
                    out = node.transform(msg)
                    if out is not None:
                        target = route.direct
                        if target is not None and out.__class__ is dict and "_msgid" in out:
                            # Route._send's hot path, inline
                            size = len(q)
                            if size <= fast_until or (target.pending and size + len(urgent) < self.limit):
                                node.stats.sent += 1
                                target.pending += 1
                                q.append((target, out))
                            elif size + len(urgent) < self.limit:
                                node.stats.sent += 1
                                urgent.append((target, out))
                            else:
                                route.send(out)  # refused there, as the node's error
                        else:
                            route.send(out)
                    if route.flow.complete_map:
                        route.done(msg)
                    continue
                if node._async_input:
                    route.start_async(msg)
                    continue
                res = node.on_input(msg, route.send, partial(route.done, msg))
                if res is not None:
                    route.adopt(res, msg)
            except Exception as exc:  # a handler's exception is the node's error, never the loop's
                report_error(node, exc, msg)
        return BATCH
