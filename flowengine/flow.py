"""``Flow``: one running tab, subflow instance or the global flow, the ``NodeHost`` of its nodes.

It routes errors to catch nodes (``msg.error`` shape, ``_error``, loop guard), status to status
nodes and ``status/<id>`` events, ``done()`` to complete nodes, logging to the ``debug`` topic, and
serves context scopes, env vars and typed inputs. Delivery itself is in ``dispatch`` and ``route``.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Coroutine
from typing import Any

from .dispatch import ROOM_LIMIT
from .env import convert_env_value, process_env
from .errors import NodeError
from .events import EventBus
from .graph import FlowSpec
from .message import clone_msg, deep_clone, new_msgid
from .model import EnvEntry
from .node import ContextScope, Node
from .reporting import error_text, log_event, node_name
from .route import Route
from .sockets import NodeSockets
from .types import UNDEFINED, Msg, SendArg
from .watchdog import Watchdog

__all__ = ["Flow", "Watcher"]

ERROR_LOOP_LIMIT = 10
_NR_LEVEL = {logging.ERROR: 20, logging.WARNING: 30, logging.INFO: 40, logging.DEBUG: 50}


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
        self.watchdog: Watchdog = engine.watchdog
        self.sockets: NodeSockets = engine.sockets
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

    def deliver_now(self, node: Node, arg: SendArg) -> None:
        route = self.engine.routes.get(node.id)
        if route is None or route.node is not node or route.closed:
            return
        self.engine.dispatcher.deliver_now(route.send, arg)

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
        hook = getattr(self.engine, "error_hook", None)
        if hook is not None and isinstance(msg, dict) and hook(node, err, msg):
            return True  # taken over by the runtime's owner (queue mode parks rate-limited calls)
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
        stack: object = getattr(err, "stack", None)
        if isinstance(err, BaseException) and isinstance(stack, str):
            error["stack"] = stack  # a JavaScript error's own stack
        elif isinstance(err, BaseException) and not isinstance(err, NodeError) and err.__traceback__:
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
            level, "[%s:%s] %s", node.type, node.name or node.id, text,
            extra={"node_id": node.id, "node_type": node.type, "node_name": node.name or None, "flow": self.path,
                   "node_text": text})
        if nr_level <= 30:
            self.events.publish("debug", log_event(
                nr_level, node.id, node.type, text, alias=node.alias, z=node.z, name=node.name, path=self.path,
                max_length=int(getattr(self.settings, "debugMaxLength", 1000) or 1000)))
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

    def delivers_directly(self, node_id: str) -> bool:
        """True when a message sent to ``node_id`` reaches that node's input in this process (it is
        running and not a queue-mode boundary, whose messages leave through the queue)."""
        route = self.engine.routes.get(node_id)
        return route is not None and route.handoff is None

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
