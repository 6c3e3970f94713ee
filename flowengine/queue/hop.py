"""``Hop``: one queue entry's run on a worker - the boundary node and every node downstream of it up
to the next boundary, in this process, without the runtime's shared delivery queue.

The hop keeps its own FIFO so that it knows when it is over: every delivery is open until the node
calls ``done()`` (or its async input handler returns, or a synchronous handler returns with no task
of the node still running); the hop ends when its FIFO is empty and no delivery is open. Messages
sent to a boundary node are not delivered but collected in ``outputs``: the worker adds them to
the stream together with the acknowledgement of the input (one transaction).

What a node sends after its delivery was closed (a delay node's timer, say) goes through the
runtime's ordinary delivery, where a boundary node's handoff adds it to the stream directly (at
least once still, but outside the hop's transaction). Errors, status and complete events are
routed by the flow as usual (catch nodes run on this worker).

``cached``: the boundary node's sends from an earlier delivery of this entry that finished the
node but not the hop (the worker died): they are replayed instead of running the node again, so a
paid call is not repeated. ``on_result`` receives them (encoded) once the boundary node has
finished and the hop still waits on a node downstream; a hop that ends as its boundary node
finishes is committed at once, and the commit is what records its result then (no cache write, a
Redis round trip saved per hop).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from ..errors import NodeError
from ..message import clone_msg
from ..reporting import report_error
from ..route import Route
from ..types import Msg, SendArg
from .envelope import decode_msg, encode_msg

__all__ = ["Hop", "Result"]

log = logging.getLogger("flowengine.queue")
Result = list[tuple[str, str]]
"""A boundary node's sends: (target node id, message as JSON)."""
OnResult = Callable[[Result], Coroutine[Any, Any, None]]


class Hop:
    """Run ``route``'s node on ``msg`` and what follows it in-process; see the module docstring."""

    def __init__(self, route: Route, msg: Msg, routes: dict[str, Route], cached: Result | None = None) -> None:
        self.first = route
        self.msg = msg
        self.routes = routes
        self.cached = cached
        self.outputs: list[tuple[Route, Msg]] = []
        """Messages for boundary nodes: (their route, the message)."""
        self.deliveries = 0
        self._fifo: deque[tuple[Route, Msg]] = deque()
        self._open: dict[int, Route] = {}
        self._changed = asyncio.Event()
        self._finished = False
        self._recorded: Result | None = []
        self._result: Result | None = None
        """The boundary node's sends, finished and not handed to ``on_result`` yet."""
        self.result_kept = False
        """True once ``on_result`` was called: the worker's commit removes what it kept."""
        self._cache_task: asyncio.Task[None] | None = None
        self._on_result: OnResult | None = None
        self.parks = 0
        """How often this entry was parked before (parking.py)."""
        self.parked: float | None = None
        """Set (seconds to wait) when the boundary node hit a rate limit: park, do not commit."""

    async def run(self, on_result: OnResult | None = None, timeout: float | None = None) -> list[tuple[Route, Msg]]:
        """Run the hop to its end; return the messages for the next boundary nodes. Past ``timeout``
        seconds the hop ends anyway (logged, naming the nodes that never finished): a node that
        never calls ``done()`` must not hold a worker slot forever."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout if timeout is not None else None
        self._on_result = on_result
        if self.cached is not None:
            for target_id, text in self.cached:
                target = self.routes.get(target_id)
                if target is not None:
                    self._route(target, decode_msg(text))
        else:
            self._deliver(self.first, self.msg, record=True)
        try:
            while True:
                while self._fifo:
                    route, m = self._fifo.popleft()
                    self._deliver(route, m, record=False)
                if not self._open:
                    break
                self._keep_result()  # the hop goes on after its boundary node: keep its result
                self._changed.clear()
                if deadline is None:
                    await self._changed.wait()
                    continue
                try:
                    await asyncio.wait_for(self._changed.wait(), max(0.0, deadline - loop.time()))
                except TimeoutError:
                    names = ", ".join(sorted({f"{r.spec.type}:{r.spec.id}" for r in self._open.values()}))
                    log.warning("queue: hop of %s ended after hop_timeout (%gs) with deliveries still open "
                                "(no done() from %s)", self.first.spec.id, timeout, names)
                    break
        finally:
            self._finished = True
        if self._cache_task is not None:
            await self._cache_task
        return self.outputs

    # --- deliveries ---
    def _deliver(self, route: Route, msg: Msg, *, record: bool) -> None:
        if route.closed:
            return
        node = route.node
        node.stats.received += 1
        self.deliveries += 1
        number = self.deliveries
        self._open[number] = route
        closed = False

        def finish(err: Any = None) -> None:
            nonlocal closed
            if closed:
                return
            closed = True
            del self._open[number]
            self._changed.set()
            if record:
                self._recorded_done(err)

        def done(err: Any = None) -> None:
            route.done(msg, err)
            finish(err)

        try:
            res = node.on_input(msg, self._sender(route, record), done)
        except Exception as exc:  # a handler's exception is the node's error, as in the dispatcher
            report_error(node, exc, msg)
            finish(exc)
            return
        if inspect.isawaitable(res):
            task = route.own(res, msg)
            task.add_done_callback(lambda t: finish(None if t.cancelled() or t.exception() is None else True))
        elif not route.tasks:
            finish()  # nothing of the node runs on: its delivery is over even without done()

    def _sender(self, route: Route, record: bool) -> Callable[[SendArg], None]:
        def send(arg: SendArg) -> None:
            if self._finished:
                route.send(arg)  # a late send (timer): the runtime's ordinary delivery
                return
            events = route.events(arg)
            for i, (target, m) in enumerate(events):
                if i:
                    m = clone_msg(m)
                if record and self._recorded is not None:
                    self._record(target, m)
                self._route(target, m)
            route.node.stats.sent += len(events)

        return send

    def _route(self, target: Route, msg: Msg) -> None:
        if target.closed:
            return
        if target.handoff is not None:
            self.outputs.append((target, msg))
        else:
            self._fifo.append((target, msg))
            self._changed.set()

    # --- the boundary node's result ---
    def _record(self, target: Route, msg: Msg) -> None:
        assert self._recorded is not None
        try:
            self._recorded.append((target.spec.id, encode_msg(msg)))
        except NodeError as exc:
            log.debug("boundary node %s: result not cached: %s", self.first.spec.id, exc)
            self._recorded = None

    def _recorded_done(self, err: Any) -> None:
        result, self._recorded = self._recorded, None
        if err is None and result is not None and self._on_result is not None and self.cached is None:
            self._result = result

    def _keep_result(self) -> None:
        result, self._result = self._result, None
        if result is not None and self._on_result is not None:
            self.result_kept = True
            self._cache_task = asyncio.get_running_loop().create_task(self._on_result(result))
