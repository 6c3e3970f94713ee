"""``FlowHarness``: run a small flow in-process and look at what came out.

::

    async with FlowHarness([
        {"id": "n1", "type": "change", "rules": [...], "wires": [["sink"]]},
        {"id": "sink", "type": "test-sink"},
    ]) as h:
        h.send_to("n1", {"payload": 1})
        [msg] = await h.wait_for("sink")

Nodes without ``z`` (other than config nodes) are put on a tab ``"flow"`` (created when the flows
have no tab). The ``test-sink`` type (one input, no outputs) records every message it receives.
The runtime keeps everything in memory (``persist=False``) unless ``persist=True`` is given.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from .flow import Flow
from .node import Node
from .registry import Registry
from .runtime import Runtime
from .settings import Settings
from .types import Done, Msg, Send

__all__ = ["SINK_TOPIC", "FlowHarness", "TestSink"]

SINK_TOPIC = "test-sink"
DEFAULT_TAB = "flow"
WAIT_S = 10.0
"""How long the ``wait_*`` methods wait by default: a ceiling, not a delay (they return as soon as
the condition holds), so generous enough for a loaded machine (a subprocess's exit took over 2 s to
reach its node on 2 cores at load 20)."""


class TestSink(Node):
    """Records every message it receives (published on the ``test-sink`` topic for the harness)."""

    __test__ = False  # not a pytest test class
    type = "test-sink"
    category = "test"
    label = "test sink"
    outputs = 0

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.key = "/".join((*_instances(host), self.alias or self.id))
        """What it reports under: its id, or inside subflow instances the path of the instances'
        ids and its own, as in the flows file (``inst/sink``)."""

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        self.host.publish(SINK_TOPIC, (self.key, msg))
        done()


def _instances(host: Any) -> list[str]:
    """The ids (as in the flows file) of the subflow instances ``host`` runs in, outermost first."""
    chain: list[str] = []
    flow = host if isinstance(host, Flow) else None
    while flow is not None and flow.spec.kind == "subflow":
        chain.append(str((flow.spec.instance_config or {}).get("_alias") or flow.id))
        flow = flow.parent
    return chain[::-1]


class FlowHarness:
    """An in-process runtime running ``flows``, with helpers to feed and observe it."""

    __test__ = False

    def __init__(
        self,
        flows: list[dict[str, Any]],
        registry: Registry | None = None,
        settings: Settings | None = None,
        *,
        persist: bool = False,
    ) -> None:
        self.registry = registry if registry is not None else Registry.default()
        if "test-sink" not in self.registry:
            self.registry.add(TestSink)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if settings is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="flowengine-test-")
            settings = Settings.load(user_dir=Path(self._tmp.name))
        self.settings = settings
        self.runtime = Runtime(self.registry, settings, persist=persist)
        self.flows = self.normalise(flows)
        self.events: list[tuple[str, Any]] = []
        self.logs: list[tuple[int, str, str]] = []
        self._received: dict[str, list[Msg]] = {}
        self._changed: asyncio.Event | None = None
        self.runtime.events.listen(self._on_event)
        self.runtime.log_listeners.append(lambda level, nid, text: self.logs.append((level, nid, text)))

    # --- setup ---
    def normalise(self, flows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Put nodes without ``z`` on a default tab (config nodes stay global)."""
        out = [dict(n) for n in flows]
        tab_ids = [n["id"] for n in out if n.get("type") == "tab"]
        needs_tab = False
        for n in out:
            t = n.get("type", "")
            if t in ("tab", "subflow", "group") or "z" in n:
                continue
            cls = self.registry.get(t)
            if cls is not None and cls.is_config:
                continue
            if cls is None and not t.startswith("subflow:") and not ("x" in n or "wires" in n):
                continue
            n["z"] = tab_ids[0] if tab_ids else DEFAULT_TAB
            needs_tab = not tab_ids
        if needs_tab:
            out.insert(0, {"id": DEFAULT_TAB, "type": "tab", "label": "Flow", "disabled": False, "env": []})
        for n in out:
            if n.get("type") not in ("tab", "subflow", "group") and "z" in n and "wires" not in n:
                cls = self.registry.get(n.get("type", ""))
                if cls is not None and not cls.is_config:
                    n["wires"] = [[] for _ in range(cls.outputs)]
        return out

    async def __aenter__(self) -> FlowHarness:
        self._changed = asyncio.Event()
        await self.runtime.start(self.flows)
        await self.runtime.wait_started()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.runtime.close()
        finally:
            if self._tmp is not None:
                self._tmp.cleanup()

    # --- observing ---
    def _on_event(self, topic: str, data: Any) -> None:
        if topic == SINK_TOPIC:
            node_id, msg = data
            self._received.setdefault(node_id, []).append(msg)
        else:
            self.events.append((topic, data))
        if self._changed is not None:
            self._changed.set()

    def received(self, node_id: str) -> list[Msg]:
        """Messages the ``test-sink`` node ``node_id`` received so far."""
        return list(self._received.get(node_id, []))

    async def wait_for(self, node_id: str, count: int = 1, timeout: float = WAIT_S) -> list[Msg]:
        """Wait until sink ``node_id`` has received ``count`` messages; returns all received."""
        await self._wait(lambda: len(self._received.get(node_id, [])) >= count, timeout,
                         lambda: f"sink {node_id!r} got {len(self._received.get(node_id, []))} of "
                                 f"{count} messages; logs: {self.logs[-5:]}")
        return self.received(node_id)

    async def wait_until(self, node_id: str, accept: Callable[[Msg], bool], timeout: float = WAIT_S) -> Msg:
        """Wait until sink ``node_id`` has received a message ``accept`` says yes to; returns the first."""
        def first() -> Msg | None:
            return next((m for m in self._received.get(node_id, []) if accept(m)), None)

        await self._wait(lambda: first() is not None, timeout,
                         lambda: f"sink {node_id!r} got no accepted message among "
                                 f"{len(self._received.get(node_id, []))}; logs: {self.logs[-5:]}")
        found = first()
        assert found is not None
        return found

    async def wait_event(self, topic: str, timeout: float = WAIT_S) -> Any:
        """Wait for the first (or next unseen) event on ``topic``; returns its data."""
        start = len(self.events)
        await self._wait(lambda: any(t == topic for t, _ in self.events[start:]), timeout,
                         lambda: f"no event on {topic!r}")
        return next(d for t, d in self.events[start:] if t == topic)

    async def _wait(self, ready: Any, timeout: float, describe: Any) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        assert self._changed is not None, "use FlowHarness with 'async with'"
        while not ready():
            remaining = end - loop.time()
            if remaining <= 0:
                raise TimeoutError(describe())
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))
            except TimeoutError:
                continue

    async def next_change(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the next event of any kind (sink messages included);
        False when none came. Callers re-check their condition after it returns either way."""
        assert self._changed is not None, "use FlowHarness with 'async with'"
        self._changed.clear()
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait until no delivery is pending (timers and async handlers may still be running)."""
        await self.runtime.drained(timeout)

    # --- driving ---
    def send_to(self, node_id: str, msg: Msg) -> None:
        """Deliver ``msg`` to the input of running node ``node_id``."""
        flow = self.runtime.flow_of(node_id)
        if flow is None or not flow.deliver_to(node_id, msg):
            raise KeyError(f"node {node_id!r} is not running")

    def inject(self, node_id: str, body: dict[str, Any] | None = None) -> bool:
        """What ``POST /inject/:id`` does."""
        return self.runtime.inject(node_id, body)

    def node(self, node_id: str) -> Node:
        node = self.runtime.node(node_id)
        if node is None:
            raise KeyError(f"node {node_id!r} is not running")
        return node

    async def deploy(self, flows: list[dict[str, Any]], deploy_type: str = "full") -> str:
        """Redeploy and wait until the new nodes started."""
        self.flows = self.normalise(flows)
        rev = await self.runtime.deploy(self.flows, deploy_type)
        await self.runtime.wait_started()
        return rev
