"""``Route``: a running node's place in the wiring (output targets, send/done/error, owned tasks).

``Route.send`` is the node's ``send``: a single-target send queues directly (the hot path), other
sends resolve ports, clone fan-outs and stamp ``_msgid``. ``Route.close`` runs the node's close
handler within the close timeout and cancels the tasks the node owns.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Coroutine
from functools import partial
from typing import TYPE_CHECKING, Any

from .bounded import CANCEL_GRACE_S, Abandoned, as_task, cancel_within, failure, finish_within
from .dispatch import DEFER_CLONES_AT, Dispatcher
from .errors import NodeError
from .graph import NodeSpec
from .message import clone_msg, new_msgid
from .node import Node
from .reporting import error_text
from .types import Msg, SendArg

if TYPE_CHECKING:
    from .flow import Flow

__all__ = ["Route", "resolve_changed"]


class Route:
    """A running node's place in the wiring: resolved output targets and owned tasks."""

    __slots__ = ("closed", "direct", "dispatcher", "flow", "gated", "handoff", "node", "pending", "ports", "running",
                 "send", "single", "spec", "tasks")

    def __init__(self, node: Node, flow: Flow, spec: NodeSpec, dispatcher: Dispatcher) -> None:
        self.node = node
        self.flow = flow
        self.spec = spec
        self.dispatcher = dispatcher
        self.ports: list[list[Route]] = []
        self.single: Route | None = None
        self.direct: Route | None = None
        """``single`` while ``send`` is ``_send``: the dispatcher may then queue a transform's result
        for it without calling ``send`` (``Dispatcher._run``)."""
        self.gated = False
        self.tasks: set[asyncio.Task[Any]] = set()
        self.closed = False
        self.pending = 0
        """Deliveries to this route waiting in the main queue (keeps per-wire order under bursts)."""
        self.running = 0
        """Messages an async input handler is still working on (owned tasks started with a message):
        a shutdown's drain waits for them, and counts the ones it has to cut."""
        self.send: Callable[[SendArg], None] = self._send
        self.handoff: Callable[[Msg], None] | None = None
        """Set on a queue-mode boundary node: a message delivered here goes to the queue instead of
        the node's input handler (see ``Runtime.boundary`` and flowengine/queue/)."""

    def resolve(self, routes: dict[str, Route]) -> None:
        """Turn the node's wires (ids) into routes; missing/disabled targets are dropped."""
        self.ports = [[routes[t] for t in port if t in routes] for port in self.spec.wires]
        self.single = self.ports[0][0] if len(self.ports) == 1 and len(self.ports[0]) == 1 else None
        self.direct = None if self.gated else self.single

    def gate(self, wrap: Callable[[Callable[[SendArg], None]], Callable[[SendArg], None]]) -> None:
        """Put ``wrap(send)`` in place of ``send``: every send of the node goes through it."""
        self.send = wrap(self.send)
        self.gated = True
        self.direct = None

    def _send(self, arg: SendArg) -> None:
        if arg.__class__ is dict:
            single = self.single
            if single is not None and not self.closed:
                msg: Msg = arg
                if "_msgid" not in msg:
                    msg["_msgid"] = new_msgid()
                self.node.stats.sent += 1
                d = self.dispatcher
                q = d.queue
                n = len(q)
                if n <= d.fast_until:
                    single.pending += 1
                    q.append((single, msg))
                elif n + len(d.urgent) >= d.limit:
                    self.node.stats.sent -= 1
                    self.refuse(msg, 1)
                    return
                elif single.pending:
                    single.pending += 1
                    q.append((single, msg))
                else:
                    d.urgent.append((single, msg))
                if d.idle:
                    d.wake()
                return
        self._send_general(arg)

    def _send_general(self, arg: SendArg) -> None:
        if arg is None or self.closed:
            return  # a stopped node's late timer: its messages go nowhere
        if arg.__class__ is dict and self.ports:
            self._fan_out(arg, self.ports[0])  # one message on port 0 (split, a wire to several nodes)
            return
        events = self.events(arg)
        if not events:
            return
        d = self.dispatcher
        if len(d.queue) + len(d.urgent) + len(events) > d.limit:
            self.refuse(events[0][1], len(events))
            return
        if len(events) > 1 and d.backlog() > DEFER_CLONES_AT:
            d.push_group(events)
            self.node.stats.sent += len(events)
            return
        first = True
        push = d.push
        for target, m in events:
            push(target, m if first else clone_msg(m))
            first = False
        self.node.stats.sent += len(events)

    def events(self, arg: SendArg) -> list[tuple[Route, Msg]]:
        """The (target, message) deliveries a send makes, ``_msgid`` stamped, not yet cloned (the
        caller clones every message but the first). Empty when nothing goes anywhere; a non-message
        is reported as the node's error."""
        if arg is None:
            return []
        entries = arg if isinstance(arg, list) else [arg]
        events: list[tuple[Route, Msg]] = []
        msgid: str | None = None
        ports = self.ports
        for port, entry in enumerate(entries):
            if entry is None:
                continue
            msgs = entry if isinstance(entry, list) else [entry]
            for m in msgs:
                if m is not None and not isinstance(m, dict):
                    self.node.error(NodeError(
                        f"non-message-returned: tried to send a message of type {type(m).__name__}"))
                    return []
                if msgid is None and m is not None and m.get("_msgid"):
                    msgid = m["_msgid"]
            if port >= len(ports):
                continue
            for target in ports[port]:
                for m in msgs:
                    if m is not None:
                        events.append((target, m))
        if events:
            if msgid is None:
                msgid = new_msgid()
            for _, m in events:
                if "_msgid" not in m:
                    m["_msgid"] = msgid
        return events

    def _fan_out(self, msg: Msg, targets: list[Route]) -> None:
        """``_send_general`` for one message to the targets of one port, without building the
        per-port lists first (what a split or a fan-out wire sends for every part)."""
        if not targets:
            return
        if "_msgid" not in msg:
            msg["_msgid"] = new_msgid()
        d = self.dispatcher
        if len(d.queue) + len(d.urgent) + len(targets) > d.limit:
            self.refuse(msg, len(targets))
            return
        if len(targets) > 1 and d.backlog() > DEFER_CLONES_AT:
            d.push_fan_out(msg, targets)
        else:
            push = d.push
            push(targets[0], msg)
            for target in targets[1:]:
                push(target, clone_msg(msg))
        self.node.stats.sent += len(targets)

    def refuse(self, msg: Msg, count: int) -> None:
        """The runtime holds ``maxMessagesInFlight`` messages already: this send fails as the node's
        catchable error (a wiring loop where each node feeds two others would otherwise grow
        without bound). Uncaught, it is logged at most once a second per node, with a count."""
        d = self.dispatcher
        d.refused += count
        text = (f"message not sent: {d.limit:,} messages are in flight (maxMessagesInFlight); "
                "a wiring loop, or messages arriving faster than the flows handle them")
        err = NodeError(text)
        if self.flow.handle_error(self.node, err, msg, self.node):
            return
        if d.may_log(self.node.id):
            self.flow.log(self.node, logging.ERROR, f"{text} ({d.refused:,} refused so far)", msg)

    def done(self, msg: Msg, err: Any = None) -> None:
        if err is not None:
            self.node.error(err, msg)
            return
        flow = self.flow
        if flow.complete_map:
            flow.fire_complete(self.node, msg)

    def start_async(self, msg: Msg) -> None:
        coro = self.node.on_input(msg, self.send, partial(self.done, msg))
        self.adopt(coro, msg)

    def adopt(self, awaitable: Any, msg: Msg | None) -> None:
        if inspect.isawaitable(awaitable):
            self.own(awaitable, msg)

    def own(self, awaitable: Any, msg: Msg | None = None, name: str | None = None) -> asyncio.Task[Any]:
        """Run ``awaitable`` as a task this node owns: its error is the node's (with ``msg``), and
        it is cancelled when the node closes."""
        task = asyncio.get_running_loop().create_task(self._guard(awaitable, msg), name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        if msg is not None:
            self.running += 1
            task.add_done_callback(self._ran)
        return task

    def _ran(self, task: asyncio.Task[Any]) -> None:
        self.running -= 1

    async def _guard(self, awaitable: Any, msg: Msg | None) -> Any:
        try:
            return await awaitable
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an async handler's error is the node's error
            self.node.error(exc, msg)
            return None

    async def close(self, removed: bool, timeout: float, abandoned: Abandoned) -> None:
        """Stop deliveries, run the close handler within ``timeout``, cancel owned tasks.

        Bounded whatever the node does: a close handler past ``timeout`` is cancelled, and one that
        ignores the cancellation (like an owned task that does) is handed to ``abandoned`` after
        ``CANCEL_GRACE_S``, logged with the node's id and type. Returns within about
        ``timeout + CANCEL_GRACE_S``.
        """
        rest = self.begin_close(removed, timeout, abandoned)
        if rest is not None:
            await rest

    def begin_close(self, removed: bool, timeout: float,
                    abandoned: Abandoned) -> Coroutine[Any, Any, None] | None:
        """``close`` split in two: stops deliveries and calls the close handler now; returns what is
        left to await (a close handler's awaitable, owned tasks), or None when the node is closed
        (most nodes: a deploy then needs no task per node)."""
        self.closed = True
        node = self.node
        t = node.close_timeout if node.close_timeout is not None else timeout
        deadline = asyncio.get_running_loop().time() + t
        try:
            res = node.on_close(removed)
        except Exception as exc:  # a failing close handler must not stop the deploy
            self.flow.log(node, logging.ERROR, f"Error closing node: {error_text(exc)}")
            res = None
        if not inspect.isawaitable(res) and not self.tasks:
            return None
        return self._finish_close(res, t, deadline, abandoned)

    async def _finish_close(self, res: Any, t: float, deadline: float, abandoned: Abandoned) -> None:
        node = self.node
        loop = asyncio.get_running_loop()
        if inspect.isawaitable(res):
            closing = as_task(res, name=f"close:{node.id}")
            if await finish_within({closing}, t):
                self.flow.log(node, logging.ERROR, "Close timed out")
                if await cancel_within({closing}):
                    self._abandon(abandoned, closing, "close handler", t)
            error = failure(closing)
            if isinstance(error, Exception):
                self.flow.log(node, logging.ERROR, f"Error closing node: {error_text(error)}")
        tasks = list(self.tasks)
        if not tasks:
            return
        stubborn = await cancel_within(tasks, max(deadline - loop.time(), CANCEL_GRACE_S))
        for task in tasks:
            error = failure(task)
            if isinstance(error, Exception):
                self.flow.log(node, logging.ERROR, f"task failed while closing: {error_text(error)}")
        for task in stubborn:
            self._abandon(abandoned, task, "task", t)

    def _abandon(self, abandoned: Abandoned, task: asyncio.Task[Any], what: str, timeout: float) -> None:
        node = self.node
        self.tasks.discard(task)
        abandoned.add(task, f"{what} of {node.type}:{node.id}")
        self.flow.log(node, logging.ERROR,
                      f"{what} ignores cancellation: abandoned after nodeCloseTimeout ({timeout:g} s) "
                      f"(node {node.id}, type {node.type}); it may keep running until the process exits")


def resolve_changed(routes: dict[str, Route], created: list[Route], respec: list[Route], *,
                    everything: bool = False) -> None:
    """After a deploy created ``created`` and gave ``respec`` new specs: resolve the routes whose
    targets may differ (those, and the ones wired to a created node), or all with ``everything``.

    The others' resolved targets are still right: their wires did not change, and a target that
    stopped was dropped when it stopped (``Runtime._stop_nodes`` resolves the nodes wired to it).
    """
    if everything:
        for route in routes.values():
            route.resolve(routes)
        return
    fresh = {r.spec.id for r in created}
    for route in respec:
        route.resolve(routes)
    for route in created:
        route.resolve(routes)
    if not fresh:
        return
    for route in routes.values():
        for port in route.spec.wires:
            if not fresh.isdisjoint(port):
                route.resolve(routes)  # again, for one in ``created`` or ``respec``: the same result
                break
