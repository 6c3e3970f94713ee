"""The base class of every node type, and the host protocol a running flow provides to nodes.

A node type is a subclass of ``Node`` with class attributes describing it (``type``,
``category``, ``inputs``, ``outputs``, ``schema``, ``credentials``...) and three handlers::

    class Upper(Node):
        type = "upper"
        category = "function"
        schema = {"type": "object", "properties": {"property": {"type": "string", "default": "payload"}}}

        def on_input(self, msg, send, done):      # sync: the fast path, no task per message
            msg["payload"] = str(msg["payload"]).upper()
            send(msg)
            done()

``on_input`` may be ``async def``; the flow then runs it as a task owned by the node. ``on_start``
and ``on_close(removed)`` may be sync or async. A node's properties are in ``self.config`` (the
node's JSON object minus the structural keys), its decrypted credentials in ``self.credentials``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from functools import cache
from typing import Any, ClassVar, Protocol

from .sockets import NodeSockets
from .types import UNDEFINED, Done, Msg, Send, SendArg

__all__ = ["STRUCTURAL_KEYS", "Node", "NodeHost", "NodeStats"]

STRUCTURAL_KEYS = frozenset({"id", "type", "z", "name", "wires", "x", "y", "g", "d", "l", "credentials"})


class ContextScope(Protocol):
    """A context scope (node, flow or global) as seen by nodes; ``store`` picks a context store."""

    def get(self, key: str, store: str | None = None) -> Any: ...
    def set(self, key: str, value: Any, store: str | None = None) -> None: ...
    def keys(self, store: str | None = None) -> list[str]: ...
    def incr(self, key: str, by: int | float = 1, store: str | None = None) -> Any: ...
    def compare_and_set(self, key: str, expected: Any, value: Any, store: str | None = None) -> bool: ...


class NodeHost(Protocol):
    """What the running flow offers its nodes. Implemented by the engine's flow object."""

    settings: Any
    sockets: NodeSockets
    watchdog: Any
    """The runtime's ``flowengine.watchdog.Watchdog`` (bounds user code holding the event loop)."""

    def deliver(self, node: Node, arg: SendArg) -> None: ...
    def deliver_now(self, node: Node, arg: SendArg) -> None: ...
    def report_error(self, node: Node, err: BaseException | str, msg: Msg | None) -> bool: ...
    def report_status(self, node: Node, status: dict[str, Any]) -> None: ...
    def report_complete(self, node: Node, msg: Msg) -> None: ...
    def log(self, node: Node, level: int, text: str, msg: Msg | None = None) -> None: ...
    def node_context(self, node: Node) -> ContextScope: ...
    def flow_context(self, node: Node) -> ContextScope: ...
    def global_context(self) -> ContextScope: ...
    def env(self, node: Node, name: str) -> Any: ...
    def evaluate(self, node: Node, value: Any, vtype: str, msg: Msg | None) -> Any: ...
    def get_node(self, node_id: str) -> Node | None: ...
    def delivers_directly(self, node_id: str) -> bool: ...
    def spawn(self, node: Node, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...
    def publish(self, topic: str, data: Any, retain: bool = False) -> None: ...
    def completion_watched(self, node: Node) -> bool: ...


class NodeStats:
    """Counters a node exposes, like trio's ``statistics()``: used by status lines and the editor."""

    __slots__ = ("errors", "received", "sent")

    def __init__(self) -> None:
        self.received = 0
        self.sent = 0
        self.errors = 0

    def as_dict(self) -> dict[str, int]:
        return {"received": self.received, "sent": self.sent, "errors": self.errors}


class Node:
    """Base class of node types. Subclasses set the class attributes and override the handlers."""

    # --- description (read by the registry and the editor) ---
    type: ClassVar[str] = ""
    category: ClassVar[str] = "common"
    label: ClassVar[str] = ""
    color: ClassVar[str] = "#ddd"
    icon: ClassVar[str] = ""
    inputs: ClassVar[int] = 1
    outputs: ClassVar[int] = 1
    is_config: ClassVar[bool] = False
    schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {}}
    credentials_schema: ClassVar[dict[str, str]] = {}
    """Credential fields: name -> "text" | "password" (password fields are never returned)."""
    help: ClassVar[str] = ""
    close_timeout: ClassVar[float | None] = None
    """Per-type close timeout in seconds; ``None`` uses the ``nodeCloseTimeout`` setting."""

    # --- set by the engine on construction ---
    _async_input: ClassVar[bool] = False
    _transform_input: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._async_input = inspect.iscoroutinefunction(cls.on_input)
        # a subclass that overrides on_input again is served by its on_input
        cls._transform_input = cls.transform is not Node.transform and cls.on_input is Node.on_input

    def __init__(self, host: NodeHost, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        self.host = host
        self.id: str = config["id"]
        self.z: str | None = config.get("z")
        self.g: str | None = config.get("g")
        self.name: str = config.get("name") or ""
        self.config = config
        self.credentials: dict[str, Any] = dict(credentials or {})
        self.wires: list[list[str]] = config.get("wires") or []
        self.alias: str | None = config.get("_alias")
        self.stats = NodeStats()
        self.log = _logger(self.type)

    # --- handlers (override) ---
    def on_start(self) -> Awaitable[None] | None:
        """Called once after every node of the flow exists, before messages flow."""
        return None

    def on_input(self, msg: Msg, send: Send, done: Done) -> Awaitable[None] | None:
        """Handle one message. Call ``send`` for outputs and ``done()`` when finished."""
        if type(self).transform is not Node.transform:  # also when a subclass's on_input calls this
            out = self.transform(msg)
            if out is not None:
                send(out)
        done()
        return None

    def transform(self, msg: Msg) -> Msg | None:
        """For a type whose whole handling of a message is "change it (or make another), send the
        result on the first output, done": the message to send (None: nothing). Defined instead of
        ``on_input``, it is called by the dispatcher directly, without a ``send`` and a ``done``
        callable per message; an exception is the node's error, as from ``on_input``."""
        raise NotImplementedError(f"{type(self).__name__} handles messages in on_input")

    def on_close(self, removed: bool) -> Awaitable[None] | None:
        """Release resources. ``removed`` is true when the node was deleted, not restarted."""
        return None

    def on_drain(self) -> None:
        """A shutdown begins: stop starting new messages on your own (timers, intervals, polling),
        before the messages already in the flows are drained; ``on_close`` follows the drain. Not
        called on a redeploy (the nodes close at once, as in Node-RED). Nothing by default."""
        return None

    @classmethod
    def check_config(cls, config: dict[str, Any]) -> list[tuple[str | None, str, str]]:
        """Problems the schema cannot express: ``(property, message, level)`` with level ``"error"``
        (the deploy is refused) or ``"warning"``. Pure: called by validation, cached per config."""
        return []

    # --- admin hooks (the engine knows no concrete type; types opt in) ---
    def admin_inject(self, body: dict[str, Any] | None) -> bool:
        """``POST /inject/:id``. Return False when this type cannot be injected (-> 404)."""
        return False

    def admin_set_active(self, active: bool) -> bool:
        """``POST /debug/:id/enable|disable``. Return False when not supported (-> 404)."""
        return False

    def held(self) -> int:
        """Messages this node holds that a shutdown now would drop (queued in a delay, waiting
        for a service's answer...); counted in the shutdown's log line. 0 unless overridden."""
        return 0

    # --- services for subclasses ---
    def send(self, arg: SendArg) -> None:
        """Send outside of an input handler (timers, servers): same forms as ``send``."""
        self.host.deliver(self, arg)

    def send_now(self, arg: SendArg) -> None:
        """``send`` for a server's handler answering a request from outside (not an input handler
        or a timer): when nothing else is queued, the flow's first hops run before it returns, so
        an answer they give is there without waiting for the event loop's next turns."""
        self.host.deliver_now(self, arg)

    def error(self, err: BaseException | str, msg: Msg | None = None) -> bool:
        """Report an error. With a msg it is catchable by catch nodes; returns True when caught."""
        self.stats.errors += 1
        return self.host.report_error(self, err, msg)

    def metrics(self) -> dict[str, float]:
        """Extra figures for ``GET /metrics``, read only when it is scraped: name -> value, exposed as
        ``flowengine_<name>{node, type, name}``; a name ending in ``_total`` is a counter, others are
        gauges (e.g. ``{"openai_requests_total": 12, "openai_queued": 0}``). None by default."""
        return {}

    def warn(self, text: Any, msg: Msg | None = None) -> None:
        self.host.log(self, logging.WARNING, _text(text), msg)

    def info(self, text: Any) -> None:
        self.host.log(self, logging.INFO, _text(text))

    def debug_log(self, text: Any) -> None:
        self.host.log(self, logging.DEBUG, _text(text))

    def status(self, status: dict[str, Any] | str | int | float | bool | None = None, **kw: Any) -> None:
        """Set the node status: ``status(fill="green", shape="dot", text="ok")``, a dict, or a text."""
        if status is None:
            st: dict[str, Any] = dict(kw)
        elif isinstance(status, dict):
            st = dict(status)
        else:
            st = {"text": str(status).lower() if isinstance(status, bool) else str(status)}
        self.host.report_status(self, st)

    def context(self) -> ContextScope:
        return self.host.node_context(self)

    def flow_context(self) -> ContextScope:
        return self.host.flow_context(self)

    def global_context(self) -> ContextScope:
        return self.host.global_context()

    def env(self, name: str) -> Any:
        """Environment variable as Node-RED looks it up (node, groups, flow, global-config, process)."""
        return self.host.env(self, name)

    def evaluate(self, value: Any, vtype: str, msg: Msg | None = None) -> Any:
        """Evaluate a typed input (str, num, bool, json, msg, flow, global, env, jsonata...)."""
        return self.host.evaluate(self, value, vtype, msg)

    def config_node(self, node_id: str | None) -> Node | None:
        """The running config node with this id, or None."""
        return self.host.get_node(node_id) if node_id else None

    def completion_watched(self) -> bool:
        """True when a complete node listens to this node's ``done()``.

        A node that holds ``done`` callbacks until later (join, split) may call them at once when
        nobody listens: each held callback keeps its message alive.
        """
        return self.host.completion_watched(self)

    def publish(self, topic: str, data: Any, retain: bool = False) -> None:
        """Publish an event for the comms websocket (the debug node's ``debug`` topic, say)."""
        self.host.publish(topic, data, retain)

    def sockets(self) -> NodeSockets:
        """The runtime's listening sockets and shared connections (what ``RED.server`` is to
        Node-RED nodes): see flowengine/sockets.py."""
        return self.host.sockets

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run a coroutine owned by this node: it is cancelled when the node closes."""
        return self.host.spawn(self, coro)

    def call_later(self, delay: float, fn: Callable[[], Any]) -> asyncio.TimerHandle:
        """Schedule ``fn`` after ``delay`` seconds; cancel the handle in ``on_close``."""
        return asyncio.get_running_loop().call_later(delay, self._guarded, fn)

    def _guarded(self, fn: Callable[[], Any]) -> None:
        try:
            fn()
        except Exception as exc:  # a timer callback's error is the node's error, never lost
            self.error(exc)

    def prop(self, key: str, default: Any = UNDEFINED) -> Any:
        """A configured property, or ``default`` (the schema's default when not given)."""
        if key in self.config:
            return self.config[key]
        if default is UNDEFINED:
            return self.schema.get("properties", {}).get(key, {}).get("default")
        return default

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.type} id={self.id!r}>"


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value}" if str(value) else type(value).__name__
    return str(value)


@cache
def _logger(type_name: str) -> logging.Logger:
    """``flowengine.node.<type>``: looked up once per type (getLogger takes a lock and was a fifth of
    building a node, which a deploy of 10,000 nodes does 10,000 times)."""
    return logging.getLogger(f"flowengine.node.{type_name}")
