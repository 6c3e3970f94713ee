"""Running flows: the message dispatcher and one ``Flow`` per tab or subflow instance.

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

A ``Flow`` is the ``NodeHost`` of its nodes: error routing to catch nodes (``msg.error`` shape,
``_error``, loop guard), status to status nodes and ``status/<id>`` events, ``done()`` to complete
nodes, logging to the ``debug`` topic, context scopes, env vars and typed inputs.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import traceback
from collections import deque
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

from .env import convert_env_value, process_env
from .errors import NodeError
from .events import EventBus
from .graph import FlowSpec, NodeSpec
from .message import clone_msg, deep_clone, new_msgid
from .model import EnvEntry
from .node import ContextScope, Node, NodeStats
from .types import UNDEFINED, Msg, SendArg

__all__ = ["BATCH", "Dispatcher", "Flow", "GlobalConfigNode", "Route", "SubflowInstanceNode", "SubflowStatusNode"]

log = logging.getLogger("flowengine.flow")
BATCH = 512
"""Deliveries between two yields to the event loop."""
ROOM_LIMIT = 10_000
"""Queue length ``Flow.room()`` waits for (back-pressure for bursty producers)."""
BURST_AT = 10_000
"""Main-queue length above which idle targets are served through the urgent queue."""
DEFER_CLONES_AT = 1024
"""Queue length above which a fan-out send defers its clones until it reaches the queue head."""
ERROR_LOOP_LIMIT = 10
_NR_LEVEL = {logging.ERROR: 20, logging.WARNING: 30, logging.INFO: 40, logging.DEBUG: 50}


def node_name(node: Node) -> Any:
    """``node.name`` as Node-RED reports it in ``source``: ``undefined`` when empty, unless the
    type keeps an empty name (class attribute ``keeps_empty_name``, e.g. debug and function)."""
    if node.name:
        return node.name
    return "" if getattr(type(node), "keeps_empty_name", False) else UNDEFINED


def error_text(err: BaseException | str | Any) -> str:
    """``String(err)``: a NodeError or string as is, another exception as ``Type: message``."""
    if isinstance(err, str):
        return err
    if isinstance(err, NodeError):
        return str(err)
    if isinstance(err, BaseException):
        return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
    return str(err)


def _report(node: Any, exc: Exception, msg: Msg) -> None:
    try:
        node.error(exc, msg)
    except Exception:  # reporting must never stop the delivery loop
        log.exception("could not report an error of %r: %s", node, error_text(exc))


class _Expander:
    """Queue head action for a deferred fan-out: clone now, put the events back at the head."""

    __slots__ = ("closed", "node", "pending", "queue", "stats")

    _async_input = False

    def __init__(self, queue: deque[tuple[Route, Msg]]) -> None:
        self.queue = queue
        self.closed = False
        self.pending = 0
        self.node = self
        self.stats = NodeStats()

    def on_input(self, events: list[tuple[Route, Msg]], send: Any, done: Any) -> None:
        q = self.queue
        for i in range(len(events) - 1, 0, -1):
            target, m = events[i]
            q.appendleft((target, clone_msg(m)))
        q.appendleft(events[0])

    def send(self, arg: Any) -> None:
        raise NotImplementedError

    def done(self, msg: Any, err: Any = None) -> None:
        return None

    def error(self, err: Any, msg: Any = None) -> bool:
        log.error("a fan-out could not be cloned: %s", error_text(err))
        return False


class Dispatcher:
    """The FIFO of pending deliveries and the loop task that drains it."""

    def __init__(self) -> None:
        self.queue: deque[tuple[Route, Msg]] = deque()
        self.urgent: deque[tuple[Route, Msg]] = deque()
        self.expander = _Expander(self.queue)
        self.urgent_expander = _Expander(self.urgent)
        self.idle = True
        self.delivered = 0
        self._event: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

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
        """Queue a fan-out send as one entry; its clones are taken when it reaches the head."""
        q = self.queue
        if len(q) > BURST_AT and not any(t.pending for t, _ in events):
            self.urgent.append((self.urgent_expander, events))  # type: ignore[arg-type]
        else:
            for t, _ in events:
                t.pending += 1
            self.expander.pending += 1
            q.append((self.expander, events))  # type: ignore[arg-type]
        if self.idle:
            self.wake()

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

    async def _run(self) -> None:
        q = self.queue
        urgent = self.urgent
        popleft = q.popleft
        upopleft = urgent.popleft
        event = self._event
        assert event is not None
        while True:
            if not q and not urgent:
                self.idle = True
                event.clear()
                await event.wait()
                self.idle = False
                continue
            n = 0
            while n < BATCH:
                if urgent:
                    route, msg = upopleft()
                elif q:
                    route, msg = popleft()
                    route.pending -= 1
                else:
                    break
                n += 1
                if route.closed:
                    continue
                node = route.node
                node.stats.received += 1
                try:
                    if node._async_input:
                        route.start_async(msg)
                        continue
                    res = node.on_input(msg, route.send, partial(route.done, msg))
                    if res is not None:
                        route.adopt(res, msg)
                except Exception as exc:  # a handler's exception is the node's error, never the loop's
                    _report(node, exc, msg)
            self.delivered += n
            await asyncio.sleep(0)


class Route:
    """A running node's place in the wiring: resolved output targets and owned tasks."""

    __slots__ = ("closed", "dispatcher", "flow", "node", "pending", "ports", "send", "single", "spec", "tasks")

    def __init__(self, node: Node, flow: Flow, spec: NodeSpec, dispatcher: Dispatcher) -> None:
        self.node = node
        self.flow = flow
        self.spec = spec
        self.dispatcher = dispatcher
        self.ports: list[list[Route]] = []
        self.single: Route | None = None
        self.tasks: set[asyncio.Task[Any]] = set()
        self.closed = False
        self.pending = 0
        """Deliveries to this route waiting in the main queue (keeps per-wire order under bursts)."""
        self.send: Callable[[SendArg], None] = self._send

    def resolve(self, routes: dict[str, Route]) -> None:
        """Turn the node's wires (ids) into routes; missing/disabled targets are dropped."""
        self.ports = [[routes[t] for t in port if t in routes] for port in self.spec.wires]
        self.single = self.ports[0][0] if len(self.ports) == 1 and len(self.ports[0]) == 1 else None

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
                if single.pending or len(q) <= BURST_AT:
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
                    return
                if msgid is None and m is not None and m.get("_msgid"):
                    msgid = m["_msgid"]
            if port >= len(ports):
                continue
            for target in ports[port]:
                for m in msgs:
                    if m is not None:
                        events.append((target, m))
        if not events:
            return
        if msgid is None:
            msgid = new_msgid()
        d = self.dispatcher
        if len(events) > 1 and d.backlog() > DEFER_CLONES_AT:
            for _, m in events:
                if "_msgid" not in m:
                    m["_msgid"] = msgid
            d.push_group(events)
            self.node.stats.sent += len(events)
            return
        first = True
        push = d.push
        for target, m in events:
            if "_msgid" not in m:
                m["_msgid"] = msgid
            push(target, m if first else clone_msg(m))
            first = False
        self.node.stats.sent += len(events)

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
        if not inspect.isawaitable(awaitable):
            return
        task = asyncio.get_running_loop().create_task(self._guard(awaitable, msg))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _guard(self, awaitable: Any, msg: Msg | None) -> Any:
        try:
            return await awaitable
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an async handler's error is the node's error
            self.node.error(exc, msg)
            return None

    async def close(self, removed: bool, timeout: float) -> None:
        """Stop deliveries, run the close handler within ``timeout``, cancel owned tasks."""
        self.closed = True
        node = self.node
        try:
            res = node.on_close(removed)
            if inspect.isawaitable(res):
                t = node.close_timeout if node.close_timeout is not None else timeout
                await asyncio.wait_for(_as_coro(res), t)
        except TimeoutError:
            self.flow.log(node, logging.ERROR, "Close timed out")
        except Exception as exc:  # a failing close handler must not stop the deploy
            self.flow.log(node, logging.ERROR, f"Error closing node: {error_text(exc)}")
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            results = await asyncio.gather(*tasks, return_exceptions=True)
            for r in results:
                if isinstance(r, Exception):
                    self.flow.log(node, logging.ERROR, f"task failed while closing: {error_text(r)}")


async def _as_coro(aw: Any) -> Any:
    return await aw


class Watcher:
    """A catch or status node as its flow sees it: scope and group."""

    __slots__ = ("g", "route", "scope", "uncaught")

    def __init__(self, route: Route) -> None:
        cfg = route.node.config
        scope = cfg.get("scope")
        self.route = route
        self.scope: list[str] | str | None = scope if isinstance(scope, list | str) and scope != "" else None
        self.uncaught = cfg.get("uncaught") in (True, "true")
        self.g = route.node.g


class Flow:
    """One running tab, subflow instance, or the global flow: the ``NodeHost`` of its nodes."""

    def __init__(self, engine: Any, spec: FlowSpec, parent: Flow | None) -> None:
        self.engine = engine
        self.spec = spec
        self.id = spec.id
        self.path = spec.path
        self.parent = parent
        self.settings = engine.settings
        self.events: EventBus = engine.events
        self.routes: dict[str, Route] = {}
        self.catchers: list[Watcher] = []
        self.statusers: list[Watcher] = []
        self.complete_map: dict[str, list[Route]] = {}
        self.instance: Node | None = None
        self.has_status_port = False
        self._env: dict[str, Any] | None = None
        self._flow_scope: Any = None

    # --- wiring the flow ---
    def index(self) -> None:
        """Build the catch/status/complete tables from the routes now in this flow."""
        self.catchers, self.statusers, self.complete_map = [], [], {}
        for route in self.routes.values():
            t = route.node.type
            if t == "catch":
                self.catchers.append(Watcher(route))
            elif t == "status":
                self.statusers.append(Watcher(route))
            elif t == "complete":
                scope = route.node.config.get("scope")
                for nid in scope if isinstance(scope, list) else []:
                    self.complete_map.setdefault(nid, []).append(route)
            elif t == "subflow-status":
                self.has_status_port = True

    # --- NodeHost: messages ---
    def deliver(self, node: Node, arg: SendArg) -> None:
        route = self.engine.routes.get(node.id)
        if route is None or route.node is not node or route.closed:
            return  # a stopped node's timer fired late: its messages go nowhere
        route.send(arg)

    def deliver_to(self, target_id: str, msg: Msg) -> bool:
        """Queue ``msg`` for the running node ``target_id`` (link call, tests). False if not running."""
        route = self.engine.routes.get(target_id)
        if route is None or route.closed:
            return False
        if "_msgid" not in msg:
            msg["_msgid"] = new_msgid()
        self.engine.dispatcher.push(route, msg)
        return True

    async def room(self, limit: int = ROOM_LIMIT) -> None:
        """Back-pressure: wait until the runtime's delivery queue is short again.

        A node emitting many messages (``for part in parts: send(part)``) from an async handler
        can ``await self.host.room()`` every few hundred sends to keep memory bounded.
        """
        await self.engine.dispatcher.room(limit)

    def report_complete(self, node: Node, msg: Msg) -> None:
        self.fire_complete(node, msg)

    def completion_watched(self, node: Node) -> bool:
        return bool(self.complete_map.get(node.id))

    def fire_complete(self, node: Node, msg: Msg) -> None:
        targets = self.complete_map.get(node.id)
        if not targets:
            return
        for route in targets:
            m = clone_msg(msg)
            m["complete"] = {"source": {"id": node.id, "type": node.type, "name": node_name(node)}}
            self.engine.dispatcher.push(route, m)

    # --- NodeHost: errors ---
    def report_error(self, node: Node, err: BaseException | str, msg: Msg | None) -> bool:
        handled = False
        if isinstance(msg, dict):
            handled = self.handle_error(node, err, msg, node)
        if not handled:
            self.log(node, logging.ERROR, error_text(err), msg)
        return handled

    def handle_error(self, node: Node, err: Any, msg: Msg, reporting: Node, depth: int = 0) -> bool:
        count = 1
        prev = msg.get("error")
        if isinstance(prev, dict):
            src = prev.get("source")
            if isinstance(src, dict) and src.get("id") == node.id:
                count = int(src.get("count") or 0) + 1
                if count >= ERROR_LOOP_LIMIT:
                    self.log(node, logging.WARNING, "Message exceeded maximum number of catches")
                    return False  # Node-RED: the loop stops here and the error is logged as uncaught
        candidates = self._candidates(self.catchers, reporting)
        handled = False
        for w in candidates:
            if not w.uncaught:
                self.engine.dispatcher.push(w.route, self._error_msg(node, err, msg, count))
                handled = True
        if not handled:
            for w in candidates:
                if w.uncaught:
                    self.engine.dispatcher.push(w.route, self._error_msg(node, err, msg, count))
                    handled = True
        if not handled and self.spec.kind == "subflow" and self.parent is not None and self.instance:
            handled = self.parent.handle_error(self.instance, err, msg, self.instance)
        if not handled and self.spec.kind == "global" and depth < 2:
            # a global config node's error goes to the flows of the nodes that use it
            for flow, user in self._user_flows(node):
                handled = flow.handle_error(node, err, msg, user, depth + 1) or handled
        return handled

    def _user_flows(self, config_node: Node) -> list[tuple[Flow, Node]]:
        """One (flow, first user node) per flow using ``config_node``."""
        out: dict[str, tuple[Flow, Node]] = {}
        for route in self.engine.routes.values():
            if route.flow is self or route.flow.id in out:
                continue
            cfg = route.node.config
            if any(v == config_node.id for v in cfg.values() if isinstance(v, str)):
                out[route.flow.id] = (route.flow, route.node)
        return list(out.values())

    @staticmethod
    def _error_msg(node: Node, err: Any, msg: Msg, count: int) -> Msg:
        m = clone_msg(msg)
        if "error" in m:
            m["_error"] = m["error"]
        error: dict[str, Any] = {
            "message": error_text(err),
            "source": {"id": node.id, "type": node.type, "name": node_name(node), "count": count},
        }
        if isinstance(err, BaseException) and not isinstance(err, NodeError) and err.__traceback__:
            error["stack"] = "".join(traceback.format_exception(err)).rstrip()
        for attr in ("code", "cause"):
            value = getattr(err, attr, None)
            if isinstance(value, str | int | float):
                error[attr] = value
        details = getattr(err, "details", None)
        if isinstance(err, NodeError) and isinstance(details, dict):
            # a node error may carry more fields for flows (OpenAI: status, type, param, body)
            for key, value in details.items():
                if isinstance(key, str) and key not in error and value is not None:
                    error[key] = value
        m["error"] = error
        return m

    def _candidates(self, watchers: list[Watcher], reporting: Node) -> list[Watcher]:
        """Catch/status nodes whose scope covers ``reporting``, nearest group first."""
        out: list[tuple[int, Watcher]] = []
        for w in watchers:
            if w.g and w.scope == "group" and not reporting.g:
                continue
            if isinstance(w.scope, list) and reporting.id not in w.scope:
                continue
            distance = 0
            if reporting.g:
                gid: str | None = reporting.g
                while gid is not None and gid != w.g and distance < 64:
                    distance += 1
                    group = self.spec.groups.get(gid)
                    gid = group.g if group is not None else None
                if gid is None and w.g and w.scope == "group":
                    continue
            out.append((distance, w))
        out.sort(key=lambda dw: dw[0])
        return [w for _, w in out]

    # --- NodeHost: status ---
    def report_status(self, node: Node, status: dict[str, Any]) -> None:
        if "text" in status and status["text"] is not None and not isinstance(status["text"], str):
            t = status["text"]
            status["text"] = str(t).lower() if isinstance(t, bool) else str(t)
        data = {k: status[k] for k in ("text", "fill", "shape") if k in status and status[k] is not None}
        self.events.publish(f"status/{node.id}", data, retain=True)
        self.engine.status_ids.add(node.id)
        self.handle_status(node, status, node)

    def handle_status(self, node: Node, status: dict[str, Any], reporting: Node) -> bool:
        handled = False
        for w in self._candidates(self.statusers, reporting):
            st = deep_clone({k: v for k, v in status.items() if k != "source"})
            if "text" in st:
                st["text"] = str(st["text"])
            st["source"] = {"id": node.id, "type": node.type, "name": node_name(node)}
            self.engine.dispatcher.push(w.route, {"status": st, "_msgid": new_msgid()})
            handled = True
        if (not handled and self.spec.kind == "subflow" and self.parent is not None
                and self.instance is not None and not self.has_status_port):
            handled = self.parent.handle_status(node, status, self.instance)
        return handled

    # --- NodeHost: logging and events ---
    def log(self, node: Node, level: int, text: str, msg: Msg | None = None) -> None:
        nr_level = _NR_LEVEL.get(level, 40 if level < logging.WARNING else 20)
        logging.getLogger(f"flowengine.node.{node.type}").log(
            level, "[%s:%s] %s", node.type, node.name or node.id, text)
        if nr_level <= 30:
            data: dict[str, Any] = {"level": nr_level, "id": node.id, "type": node.type, "msg": text,
                                    "z": node.z, "path": self.path, "name": node.name}
            if node.alias:
                data["_alias"] = node.alias
            self.events.publish("debug", data)
        hook = getattr(self.engine, "on_log", None)
        if hook is not None:
            hook(nr_level, node.id, text)

    def publish(self, topic: str, data: Any, retain: bool = False) -> None:
        self.events.publish(topic, data, retain)

    # --- NodeHost: context ---
    def node_context(self, node: Node) -> ContextScope:
        scope: ContextScope = self.engine.context.node_scope(node.id, node.z)
        return scope

    def flow_scope(self) -> Any:
        if self._flow_scope is None:
            parent = self.parent.flow_scope() if self.parent is not None and self.spec.kind == "subflow" else None
            self._flow_scope = self.engine.context.flow_scope(self.id, parent=parent)
        return self._flow_scope

    def flow_context(self, node: Node) -> ContextScope:
        scope: ContextScope = self.flow_scope()
        return scope

    def global_context(self) -> ContextScope:
        scope: ContextScope = self.engine.context.global_scope()
        return scope

    # --- NodeHost: env and typed inputs ---
    def env(self, node: Node, name: str) -> Any:
        return self.env_lookup(node.id, node.name, node.g, name, node)

    def env_lookup(self, node_id: str, node_name: str, g: str | None, name: str, node: Node | None = None) -> Any:
        """Node built-ins -> groups (inner first) -> flow chain -> global-config -> process env."""
        if name.startswith("NR_"):
            if name == "NR_NODE_ID":
                return node_id
            if name == "NR_NODE_NAME":
                return node_name
            if name == "NR_NODE_PATH":
                return f"{self.path}/{node_id}"
            if name in ("NR_GROUP_ID", "NR_GROUP_NAME"):
                group = self.spec.groups.get(g) if g else None
                if group is None:
                    return UNDEFINED
                return group.id if name == "NR_GROUP_ID" else group.name
        depth = 0
        while g is not None and depth < 64:
            group = self.spec.groups.get(g)
            if group is None:
                break
            for entry in group.env:
                if entry.name == name:
                    return self._convert(entry, node)
            g, depth = group.g, depth + 1
        return self.flow_env(name, node)

    def flow_env(self, name: str, node: Node | None = None) -> Any:
        """A variable from this flow's env chain (tab / instance -> template -> parent -> global)."""
        spec = self.spec
        entries: tuple[EnvEntry, ...] = ()
        if spec.kind == "tab" and spec.tab is not None:
            entries = spec.tab.env
        elif spec.kind == "subflow":
            inst = spec.instance_config or {}
            from .model import parse_env

            entries = parse_env(inst.get("env")) + (spec.subflow.env if spec.subflow else ())
            if name == "NR_SUBFLOW_NAME":
                return str(inst.get("name") or "")
            if name == "NR_SUBFLOW_ID":
                return spec.id
            if name == "NR_SUBFLOW_PATH":
                return spec.path
        for entry in entries:
            if entry.name == name:
                return self._convert(entry, node)
        if spec.kind == "tab" and spec.tab is not None:
            if name == "NR_FLOW_NAME":
                return spec.tab.label
            if name == "NR_FLOW_ID":
                return spec.tab.id
        if spec.kind == "subflow" and self.parent is not None:
            return self.parent.flow_env(name, node)
        return self.engine.global_env(name)

    def _convert(self, entry: EnvEntry, node: Node | None) -> Any:
        def other(n: str) -> Any:
            return self.flow_env(n, node) if n != entry.name else process_env(n)

        jsonata = None
        if entry.type == "jsonata" and node is not None:
            def jsonata(expr: str) -> Any:
                return self.evaluate(node, expr, "jsonata", None)
        return convert_env_value(entry, other, jsonata)

    def evaluate(self, node: Node, value: Any, vtype: str, msg: Msg | None) -> Any:
        return self.engine.evaluate_typed(value, vtype, node=node, msg=msg)

    # --- NodeHost: other services ---
    def get_node(self, node_id: str) -> Node | None:
        route = self.engine.routes.get(node_id)
        return route.node if route is not None else None

    def spawn(self, node: Node, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        route = self.engine.routes.get(node.id)
        task = asyncio.get_running_loop().create_task(_guarded(node, coro), name=f"node:{node.id}")
        if route is not None and route.node is node:
            route.tasks.add(task)
            task.add_done_callback(route.tasks.discard)
        else:
            self.engine.orphans.add(task)
            task.add_done_callback(self.engine.orphans.discard)
        return task

    def __repr__(self) -> str:
        return f"<Flow {self.spec.kind} {self.id!r} nodes={len(self.routes)}>"


async def _guarded(node: Node, coro: Coroutine[Any, Any, Any]) -> Any:
    try:
        return await coro
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a spawned task's failure is reported as the node's error
        node.error(exc)
        return None


class SubflowInstanceNode(Node):
    """The ``subflow:<id>`` node in its parent flow: forwards input to the subflow's input port."""

    type = "subflow"
    category = "subflows"

    def on_input(self, msg: Msg, send: Any, done: Any) -> None:
        send(msg)
        done()


class SubflowStatusNode(Node):
    """Receives what internal nodes send to the subflow's status port; sets the instance status."""

    type = "subflow-status"
    outputs = 0

    def on_input(self, msg: Msg, send: Any, done: Any) -> None:
        flow = self.host
        instance = flow.instance if isinstance(flow, Flow) else None
        if instance is not None:
            payload = msg.get("payload", UNDEFINED)
            status: Any = None
            if isinstance(payload, str):
                status = {"text": payload}
            elif isinstance(payload, dict) and (
                    not payload or any(k in payload for k in ("text", "fill", "shape"))):
                status = payload
            elif isinstance(msg.get("status"), dict):
                status = msg["status"]
            if status is not None:
                instance.status({k: v for k, v in status.items() if k != "source"})
        done()


class GlobalConfigNode(Node):
    """``global-config``: holds the global env vars (read by the runtime); no behaviour."""

    type = "global-config"
    category = "config"
    is_config = True
    inputs = 0
    outputs = 0
