"""The runtime: owns the running flows, deploys new configurations, starts and stops.

A deploy is serialised by a lock: rev check -> validate (graph + each node's JSON schema; nothing
running is touched when refused) -> credentials stripped into the store -> save -> stop the
affected nodes (close handlers raced with ``nodeCloseTimeout``) -> context clean -> ``deploy()``
returns -> the new nodes start (config nodes first, then nodes, then ``on_start``, waited for up to
``nodeCloseTimeout``) -> events ``runtime-state start`` and the retained ``runtime-deploy {revision}``.
Whatever a node does, a deploy and ``close()`` end: a close handler or task that ignores
cancellation is abandoned (bounded.py) and named in the log, and the next deploy works.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from .bounded import Abandoned, cancel_within, failure, finish_within
from .builtins import BUILTIN_TYPES, subflow_instance_class
from .compiler import compile_flows
from .context import ContextManager
from .credentials import CredentialStore, SecretSource
from .deploy_diff import deploy_diff
from .deploy_memo import DeployMemo, reusable_problems
from .dispatch import Dispatcher
from .env import convert_env_value, process_env, substitute_env
from .errors import DeployConflictError, FlowEngineError, FlowProblem, FlowValidationError
from .events import EventBus
from .flow import Flow
from .graph import CompiledFlows
from .model import FlowSet, flows_rev, node_texts, parse_flows
from .node import Node
from .registry import Registry
from .reporting import error_text, log_event
from .route import Route, resolve_changed
from .runtime_stats import RuntimeStats
from .settings import Settings
from .sockets import NodeSockets
from .storage import FlowStorage, MemoryFlowStorage
from .text_memo import TextMemo
from .types import Msg
from .validation import DROPPED_WIRE, ConfigRef, missing_types, validate
from .watchdog import Watchdog

__all__ = ["Runtime", "strip_credentials"]

log = logging.getLogger("flowengine.runtime")
RUNTIME_STATE = "notification/runtime-state"
RUNTIME_DEPLOY = "notification/runtime-deploy"
DEPLOY_TYPES = ("full", "nodes", "flows", "reload")
GC_THRESHOLD = (20000, 20, 20)


def strip_credentials(flows: list[Any]) -> tuple[list[Any], dict[str, dict[str, Any]]]:
    """Flows without per-node ``credentials`` keys, and those credentials by node id."""
    clean: list[Any] = []
    creds: dict[str, dict[str, Any]] = {}
    for item in flows:
        if isinstance(item, dict) and "credentials" in item:
            item = dict(item)
            value = item.pop("credentials")
            if isinstance(value, dict) and isinstance(item.get("id"), str):
                creds[item["id"]] = value
        clean.append(item)
    return clean, creds


def _clean_sources(flows: list[Any], clean: list[Any],
                   sources: list[str | None] | None) -> list[str | None] | None:
    """``sources`` for ``clean``: an item ``strip_credentials`` copied is no longer its source's value."""
    if sources is None or len(sources) != len(flows):
        return None
    return [src if item is original else None for src, item, original in zip(sources, clean, flows, strict=True)]


def _texts(clean: list[Any], memo: TextMemo, sources: list[str | None] | None = None) -> list[str] | None:
    """``node_texts(clean)`` (the unchanged items' from the memo), or None when a value is not JSON
    (an in-process caller's object): then nothing is reused, and the error comes where it came
    before, after validation."""
    try:
        return memo.texts(clean, sources)
    except (TypeError, ValueError, RecursionError):
        return None


def _log_dropped_wires(problems: list[FlowProblem]) -> None:
    """Log the wires to nodes that are not in the flows (Node-RED drops them; so do we, saying so)."""
    for p in problems:
        if p.level == "warning" and p.message.startswith(DROPPED_WIRE):
            log.warning("[%s:%s] %s: %s", p.node_type, p.node_id, p.property, p.message)


class Runtime:
    """One runtime: registry + settings + storage + context + credentials + running flows.

    States: ``"stop"`` (nothing running), ``"start"``, ``"safe"`` (loaded, not started).
    Events go to ``self.events`` (see events.py for topics).
    """

    def __init__(
        self,
        registry: Registry,
        settings: Settings,
        events: EventBus | None = None,
        *,
        persist: bool = True,
    ) -> None:
        """``persist=False`` keeps flows, credentials and context in memory only (tests)."""
        self.registry = registry
        self.settings = settings
        self.events = events if events is not None else EventBus()
        self.persist = persist
        self.storage: FlowStorage | MemoryFlowStorage = FlowStorage(settings) if persist else MemoryFlowStorage()
        self.context = ContextManager(settings, persist=persist)
        self.credentials = CredentialStore(
            settings.credentials_path if persist else None,
            SecretSource(settings.credentialSecret, self.storage if persist else None),
        )
        self.dispatcher = Dispatcher(settings.maxMessagesInFlight)
        self.watchdog = Watchdog()
        """Bounds Python function code holding the event loop (functionTimeout)."""
        self.sockets = NodeSockets.from_settings(settings)
        """Listening sockets and shared connections of the nodes (sockets.py), closed at shutdown."""
        self.stats = RuntimeStats()
        """Totals of stopped nodes and deploys, for metrics (runtime_stats.py)."""
        self.routes: dict[str, Route] = {}
        self.flows: dict[str, Flow] = {}
        self._stored_stop = False
        """``runtimeFlowState`` is ``"stop"`` in the runtime config file (read at start, written by
        set_state): the next start of the flows writes ``"start"``; otherwise it reads nothing."""
        self._text_memo = TextMemo()
        """The last configuration's node texts by value: a deploy encodes only the nodes that changed."""
        self.orphans: set[asyncio.Task[Any]] = set()
        self.abandoned = Abandoned()
        """Close handlers and tasks that ignored cancellation (see bounded.py): nothing waits on them."""
        self.left_running: list[str] = []
        """What ``close()`` had to abandon, or found still running (``serve``/``run`` then exit 1)."""
        self.problems: list[FlowProblem] = []
        self.missing_types: list[str] = []
        self.log_listeners: list[Callable[[int, str, str], None]] = []
        self.status_ids: set[str] = set()
        self._config: list[Any] = []
        self._fs: FlowSet = parse_flows([])
        self._memo = DeployMemo(self._fs, registry.generation)
        """The running configuration's parse and validation by node, for the next deploy (deploy_memo.py)."""
        self._compiled: CompiledFlows = compile_flows(self._fs)
        self._rev: str | None = None
        self._state = "stop"
        self._lock = asyncio.Lock()
        self._starting: asyncio.Task[None] | None = None
        self._instance_classes: dict[str, type[Node]] = {}
        self._config_refs: dict[type[Node], dict[str, ConfigRef]] = {}
        self._typed: Callable[..., Any] | None = None
        self._closed = False
        self._gc_saved: tuple[int, ...] | None = None
        self.boundary: Callable[[Route], Callable[[Msg], None] | None] | None = None
        """Queue mode (flowengine/queue/): given a new route, the function that takes the messages
        delivered to it instead of its node (a boundary node), or None for an ordinary node."""
        self.by_hand = 0
        """Above 0 while a user's inject sends (``inject``, the editor's button): queue mode's trigger
        gate lets that message through on every coordinator, lease holder or not."""
        self.error_hook: Callable[[Node, BaseException | str, Msg], bool] | None = None
        """Consulted before a node's error (with a message) goes to catch nodes: True = taken over
        (queue mode parks a rate-limited call and runs it again later)."""

    # --- engine services used by Flow objects ---
    def global_env(self, name: str) -> Any:
        gc = self._fs.global_config
        if gc is not None:
            from .model import parse_env

            for entry in parse_env(gc.raw.get("env")):
                if entry.name == name:
                    return convert_env_value(entry, process_env)
        return process_env(name)

    def evaluate_typed(self, value: Any, vtype: str, *, node: Node, msg: Any) -> Any:
        if self._typed is None:
            from .typed import evaluate_typed

            self._typed = evaluate_typed
        return self._typed(value, vtype, node=node, msg=msg)

    def on_log(self, level: int, node_id: str, text: str) -> None:
        for listener in self.log_listeners:
            listener(level, node_id, text)

    # --- lifecycle ---
    async def start(self, flows: list[dict[str, Any]] | None = None) -> None:
        """Load flows (from storage when ``flows`` is None) and start them (unless safe mode)."""
        self.dispatcher.start()
        self._tune_gc()
        await asyncio.to_thread(self.storage.recover)  # a save a crash interrupted: finished or undone
        runtime_config = await asyncio.to_thread(self.storage.load_runtime_config)
        self._stored_stop = runtime_config.get("runtimeFlowState") == "stop"
        await asyncio.to_thread(self.credentials.load)
        loaded = flows if flows is not None else await asyncio.to_thread(self.storage.load_flows)
        clean, creds = strip_credentials(loaded)
        if creds:
            self.credentials.merge(creds)
        texts = _texts(clean, self._text_memo)
        fs, memo = self._parse_memo(clean, texts)
        problems = self._problems(fs, found=memo.problems)
        self._config, self._fs, self._rev = clean, fs, flows_rev(clean, texts)
        self._memo = memo
        self.problems = problems
        self.missing_types = missing_types(fs, self._known)
        self._compiled = compile_flows(fs)
        errors = self._blocking(problems)
        _log_dropped_wires(problems)
        if self.settings.safeMode:
            self._state = "safe"
            log.warning("flows stopped in safe mode; deploy to start")
            self.events.publish(RUNTIME_STATE, {"state": "safe", "error": "safe-mode", "type": "warning",
                                                "text": "notification.warnings.safe-mode"}, retain=True)
            return
        if self._stored_stop:
            self._state = "stop"
            self.events.publish(RUNTIME_STATE, {"state": "stop"}, retain=True)
            return
        if self.missing_types:
            self._publish_missing()
            return
        if errors:
            self._state = "stop"
            for p in errors:
                log.error("invalid flow: %s", p)
            self.events.publish(RUNTIME_STATE, {"state": "stop", "error": "invalid-flows", "type": "warning",
                                                "problems": [p.to_json() for p in errors]}, retain=True)
            return
        await self._start_nodes(None, deploy=False)

    async def drain(self, timeout: float) -> int:
        """Shutdown, first step: the nodes stop starting messages of their own (``on_drain``: inject
        timers, function intervals), then queued messages are delivered, and nodes finish what they
        hold (delays, service calls, async handlers), for up to ``timeout`` seconds; then what is
        left is logged, by node, which closing the nodes will drop. Returns that count (0: nothing
        is lost)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + max(0.0, timeout)
        started = loop.time()
        for route in list(self.routes.values()):
            try:
                route.node.on_drain()
            except Exception as exc:  # a node that cannot stop its timers must not stop the shutdown
                log.error("%s: on_drain failed: %s", self._label(route.spec.id), error_text(exc))
        while True:
            queued, held = self.dispatcher.queued_by_node(), self._held_by_node()
            if (not queued and not held and self.dispatcher.idle) or loop.time() >= end:
                break
            await asyncio.sleep(0.01)
        dropped = self._log_dropped(queued, held, f"shutdown: %s dropped after draining for "
                                                  f"{loop.time() - started:.1f} s (shutdownDrainTimeout): %s")
        if not dropped:
            log.info("shutdown: no message dropped (drained in %.1f s)", loop.time() - started)
        return dropped

    def _log_dropped(self, queued: Counter[str], held: Counter[str], text: str) -> int:
        """Log ``text`` (``%s`` for "N messages", ``%s`` for the parts by node) when any message is
        counted; returns the count."""
        dropped = sum(queued.values()) + sum(held.values())
        if dropped:
            parts = [f"{n:,} queued for {self._label(nid)}" for nid, n in queued.most_common(10)]
            parts += [f"{n:,} held by {self._label(nid)}" for nid, n in held.most_common(10)]
            more = len(queued) + len(held) - len(parts)
            log.warning(text, f"{dropped:,} message{'' if dropped == 1 else 's'}",
                        ", ".join(parts) + (f", and {more} more node{'s' if more != 1 else ''}" if more > 0 else ""))
        return dropped

    def _held_by_node(self, routes: list[Route] | None = None) -> Counter[str]:
        """Messages the nodes hold (their ``held()``, else the messages their async handlers are
        still running), by node id."""
        held: Counter[str] = Counter()
        for route in self.routes.values() if routes is None else routes:
            nid = route.spec.id
            try:
                n = route.node.held() or route.running
            except Exception as exc:  # a broken counter must not stop the shutdown
                log.error("%s: held() failed: %s", self._label(nid), error_text(exc))
                continue
            if n:
                held[nid] = n
        return held

    def _label(self, node_id: str) -> str:
        route = self.routes.get(node_id)
        return f"{route.spec.type} {node_id}" if route is not None else node_id

    async def close(self) -> None:
        """Shutdown: close every node within nodeCloseTimeout, flush context, stop timers."""
        if self._closed:
            return
        self._closed = True
        async with self._lock:  # a deploy in progress finishes first (deploys are bounded)
            before = len(self.abandoned.history)
            try:
                await self._wait_starting()
            except Exception as exc:  # closing goes on: the nodes that did start must stop
                log.error("starting the nodes failed: %s", error_text(exc))
            await self._stop_nodes(None, set())
            self._state = "stop"
            await self.sockets.close()
            orphans = list(self.orphans)
            for task in await cancel_within(orphans):
                self.abandoned.add(task, f"task {task.get_name()}")
            for task in orphans:
                failure(task)  # retrieved (a node error was reported when it happened)
            left = await self.abandoned.close()
            if left:
                log.error("still running at shutdown, ignoring cancellation: %s", ", ".join(left))
            self.left_running = sorted({*self.abandoned.history[before:], *left})
            await self.dispatcher.close()
            self.watchdog.close()
            await self.context.close()
            if self._gc_saved is not None:
                gc.set_threshold(*self._gc_saved)
                self._gc_saved = None

    def _tune_gc(self) -> None:
        """Raise the cyclic GC's thresholds while running (setting ``gcThreshold``, ``false`` = leave).

        Messages are acyclic dicts freed by reference counting; with CPython's default threshold
        (700) a burst of queued messages triggers full collections over every live message again
        and again, which costs more than the deliveries themselves.
        """
        wanted = self.settings.extra.get("gcThreshold", GC_THRESHOLD)
        if wanted is False or wanted is None or self._gc_saved is not None:
            return
        values = tuple(int(v) for v in wanted) if isinstance(wanted, list | tuple) else GC_THRESHOLD
        self._gc_saved = gc.get_threshold()
        gc.set_threshold(*values)

    # --- configuration ---
    @property
    def state(self) -> str:
        return self._state

    @property
    def revision(self) -> str | None:
        return self._rev

    def get_flows(self) -> list[dict[str, Any]]:
        """The current flow config as saved (no credentials), in its original order."""
        return list(self._config)

    def flow_of(self, node_id: str) -> Flow | None:
        """The running flow hosting ``node_id`` (None when it is not running)."""
        route = self.routes.get(node_id)
        return route.flow if route is not None else None

    def check(self, flows: list[Any]) -> list[FlowProblem]:
        """Every problem of a configuration (errors, warnings, info), without deploying it."""
        clean, _ = strip_credentials(flows) if isinstance(flows, list) else (flows, {})
        return self._problems(self._parse(clean), info=True)

    async def deploy(
        self,
        flows: list[dict[str, Any]],
        deploy_type: str = "full",
        rev: str | None = None,
        credentials: dict[str, dict[str, Any]] | None = None,
        sources: list[str | None] | None = None,
    ) -> str:
        """Validate, save and start a new configuration; return its revision.

        Serialised (one deploy at a time). Raises ``DeployConflictError`` when ``rev`` is given and
        stale, ``FlowValidationError`` when refused (nothing running is touched). Per-node
        ``credentials`` keys inside ``flows`` are stripped and stored encrypted. Returns after the
        old nodes stopped and the new config was saved; ``notification/runtime-deploy`` is
        published once the new nodes have started.

        ``sources``: what ``flows`` was read from, item by item (``server/flows_body.py``): the
        caller's word that ``flows[i]`` is the JSON value of the text ``sources[i]`` (None: not
        known). The texts of unchanged nodes are then found by these texts, not encoded again.
        """
        if deploy_type == "reload":
            return await self.reload()
        if deploy_type not in DEPLOY_TYPES:
            raise FlowValidationError([FlowProblem(None, None, "deploymentType",
                                                   f"unknown deployment type {deploy_type!r}")],
                                      code="invalid_request")
        async with self._lock:
            if self._closed:
                raise FlowEngineError("the runtime is shutting down")
            self.dispatcher.start()  # deploy() without start(): messages must still flow
            await self._wait_starting()
            if rev is not None and self._rev is not None and rev != self._rev:
                raise DeployConflictError(f"deploy is based on revision {rev}, current is {self._rev}")
            if not isinstance(flows, list):
                raise FlowValidationError([FlowProblem(None, None, None, "flows must be a JSON array")])
            clean, creds = strip_credentials(flows)
            # each node's text first: the revision and the flows file need them, and by them the
            # nodes that did not change are neither parsed nor validated again (deploy_memo.py)
            texts = _texts(clean, self._text_memo, _clean_sources(flows, clean, sources))
            fs, memo = self._parse_memo(clean, texts)
            problems = self._problems(fs, cached=reusable_problems(self._memo, fs), found=memo.problems)
            errors = self._blocking(problems)
            if errors:
                self.problems = problems
                self.stats.deployed(deploy_type, "refused")
                raise FlowValidationError(errors)
            _log_dropped_wires(problems)
            if credentials:
                for nid, c in credentials.items():
                    if isinstance(c, dict):
                        creds.setdefault(nid, {}).update(c)
            ids = {str(item["id"]) for item in clean if isinstance(item, dict) and "id" in item}
            before = self.credentials.snapshot()
            touched = self.credentials.merge(creds)
            self.credentials.prune(ids)
            if texts is None:
                texts = node_texts(clean)  # raises what a value that is not JSON raises
            try:
                await asyncio.to_thread(self._save, clean, texts)
            except BaseException:
                self.credentials.restore(before)  # the old pair is what is on disk
                raise
            self.problems = problems
            self.stats.deployed(deploy_type, "ok")
            return await self._apply(clean, fs, deploy_type, touched, flows_rev(clean, texts), memo)

    def _save(self, clean: list[Any], texts: list[str] | None = None) -> None:
        """Flows and credentials as one save: a crash leaves the old pair or the new (journal.py)."""
        self.storage.save_flows(clean, self.credentials.encode(), texts)
        self.credentials.saved()

    async def reload(self) -> str:
        """Re-read storage and restart everything (deploy type ``reload``)."""
        async with self._lock:
            await self._wait_starting()
            await asyncio.to_thread(self.storage.recover)
            flows = await asyncio.to_thread(self.storage.load_flows)
            await asyncio.to_thread(self.credentials.load)
            clean, _ = strip_credentials(flows)
            texts = _texts(clean, self._text_memo)
            fs, memo = self._parse_memo(clean, texts)
            self.problems = self._problems(fs, found=memo.problems)
            errors = self._blocking(self.problems)
            if errors:
                self.stats.deployed("reload", "refused")
                raise FlowValidationError(errors)
            _log_dropped_wires(self.problems)
            self.stats.deployed("reload", "ok")
            return await self._apply(clean, fs, "full", rev=flows_rev(clean, texts), memo=memo)

    async def set_state(self, state: str) -> str:
        """``"start"`` / ``"stop"`` the flows (persisted across restarts)."""
        if state not in ("start", "stop"):
            raise ValueError(f"Cannot change flows runtime state to '{state}'")
        async with self._lock:
            await self._wait_starting()
            config = await asyncio.to_thread(self.storage.load_runtime_config)
            config["runtimeFlowState"] = state
            await asyncio.to_thread(self.storage.save_runtime_config, config)
            self._stored_stop = state == "stop"
            if state == "stop" and self._state != "stop":
                await self._stop_nodes(None, set(), "stop flows")
                await self.sockets.sweep()
                self._state = "stop"
                self.events.publish(RUNTIME_STATE, {"state": "stop"}, retain=True)
            elif state == "start" and self._state != "start":
                if self.missing_types:
                    self._publish_missing()
                elif not self._blocking(self.problems):
                    await self._start_nodes(None, deploy=False)
            return self._state

    # --- running nodes ---
    def node(self, node_id: str) -> Node | None:
        """A running node (top-level or config) by id."""
        route = self.routes.get(node_id)
        return route.node if route is not None and not route.closed else None

    def inject(self, node_id: str, body: dict[str, Any] | None = None) -> bool:
        """``POST /inject/:id``: a user's inject; ``by_hand`` is above 0 while its message is sent."""
        node = self.node(node_id)
        if node is None:
            return False
        self.by_hand += 1
        try:
            return node.admin_inject(body)
        finally:
            self.by_hand -= 1

    def set_debug_active(self, node_id: str, active: bool) -> bool:
        node = self.node(node_id)
        return node.admin_set_active(active) if node is not None else False

    async def wait_started(self) -> None:
        """Wait until the last deploy's nodes have started (``runtime-deploy`` was published)."""
        await self._wait_starting()

    async def settled(self) -> None:
        """Wait until no deploy is in progress and its nodes have started (for an admin route that
        found a node closing under it: the node that replaces it is running afterwards)."""
        async with self._lock:
            pass
        await self._wait_starting()

    async def drained(self, timeout: float = 5.0) -> None:
        """Wait until no message delivery is pending."""
        await self.dispatcher.drained(timeout)

    # --- internals: configuration checks ---
    def _known(self, type_name: str) -> bool:
        return type_name in self.registry or type_name in BUILTIN_TYPES

    def _is_config(self, type_name: str) -> bool | None:
        cls = self.registry.get(type_name) or BUILTIN_TYPES.get(type_name)
        return cls.is_config if cls is not None else None

    def _parse(self, clean: list[Any]) -> FlowSet:
        return parse_flows(clean, self._is_config)

    def _parse_memo(self, clean: list[Any], texts: list[str] | None) -> tuple[FlowSet, DeployMemo]:
        """Parse taking the running configuration's nodes whose text did not change; and the memo
        of this parse (its ``problems`` to be filled by validation)."""
        generation = self.registry.generation
        memo = DeployMemo(self._fs, generation, problems={})  # fs: set once parsed
        if texts is None:
            memo.fs = parse_flows(clean, self._is_config)
            return memo.fs, memo
        memo.fs = parse_flows(clean, self._is_config, texts=texts, previous=self._memo.previous(generation),
                              index=memo.nodes)
        return memo.fs, memo

    def _config_types(self, type_name: str) -> dict[str, ConfigRef]:
        """Properties the type's schema marks ``"x-config-type"`` (required ones from ``required``);
        kept per class: reading the schema took a third of a deploy's validation."""
        cls = self.registry.get(type_name)
        if cls is None:
            return {}
        refs = self._config_refs.get(cls)
        if refs is None:
            refs = self._config_refs[cls] = self._schema_config_refs(cls)
        return refs

    @staticmethod
    def _schema_config_refs(cls: type[Node]) -> dict[str, ConfigRef]:
        schema = cls.schema if isinstance(cls.schema, dict) else {}
        props = schema.get("properties")
        if not isinstance(props, dict):
            return {}
        required = schema.get("required")
        needed = set(required) if isinstance(required, list) else set()
        return {k: ConfigRef(str(v.get("x-config-type") or ""), k in needed) for k, v in props.items()
                if isinstance(v, dict) and "x-config-type" in v}

    def _problems(self, fs: FlowSet, info: bool = False, *,
                  cached: Mapping[str, tuple[FlowProblem, ...]] | None = None,
                  found: dict[str, tuple[FlowProblem, ...]] | None = None) -> list[FlowProblem]:
        return validate(fs, self._known, self.registry.validate, self._config_types, info=info,
                        cached=cached, found=found)

    def _blocking(self, problems: list[FlowProblem]) -> list[FlowProblem]:
        """Errors that refuse a deploy: every error except unknown types (those stop the flows)."""
        return [p for p in problems if p.level == "error" and not (
            p.property == "type" and p.message.startswith("unknown node type"))]

    def _publish_missing(self) -> None:
        self._state = "stop"
        log.warning("flows not started, missing node types: %s", ", ".join(self.missing_types))
        for name, error in self.registry.failed.items():
            log.warning("node package %s failed to load (%s): its types are among the missing", name, error)
        self.events.publish(RUNTIME_STATE, {"state": "stop", "error": "missing-types", "type": "warning",
                                            "text": "notification.warnings.missing-types",
                                            "types": list(self.missing_types)}, retain=True)

    # --- internals: deploy ---
    async def _apply(self, clean: list[Any], fs: FlowSet, deploy_type: str,
                     creds_changed: frozenset[str] | set[str] = frozenset(), rev: str | None = None,
                     memo: DeployMemo | None = None) -> str:
        # saved: the deploy happens. Its first event now (comms sends it 50 ms later, with what
        # follows it by then); the diff is pure, and nothing is stopped before it is known
        self.events.publish(RUNTIME_STATE, {}, retain=True)
        old_fs = self._fs
        rev = rev or flows_rev(clean)
        missing = missing_types(fs, self._known)
        full = deploy_type == "full" or self._state != "start" or bool(self.missing_types) or bool(missing)
        # fs.reused: nodes whose text is the one old_fs was parsed from (self._memo belongs to old_fs)
        plan = deploy_diff(old_fs, fs, "full" if full else deploy_type, creds_changed, unchanged=fs.reused)
        if self._state == "start":
            await self._stop_nodes(None if plan.full else set(plan.stop), set(plan.removed), "deploy")
        self.events.publish(RUNTIME_STATE, {"state": "stop", "deploy": True}, retain=True)
        self._config, self._fs, self._rev = clean, fs, rev
        self._memo = memo if memo is not None and memo.fs is fs else DeployMemo(fs, self.registry.generation)
        # the running configuration's specs of unchanged nodes are taken (compiler.py)
        self._compiled = compile_flows(fs, self._compiled)
        self.missing_types = missing
        active = set(self._compiled.nodes) | set(self._compiled.flows)
        self.context.clean(active)
        if missing:
            await self.sockets.sweep()
            self._publish_missing()
            self.events.publish(RUNTIME_DEPLOY, {"revision": rev}, retain=True)
            return rev
        roots = None if plan.full else set(plan.start)
        self._starting = asyncio.get_running_loop().create_task(self._start_nodes(roots, deploy=True, rev=rev))
        return rev

    async def _wait_starting(self) -> None:
        task, self._starting = self._starting, None
        if task is not None:
            await task  # bounded: _start_nodes waits for on_start handlers up to nodeCloseTimeout

    async def _start_nodes(self, roots: set[str] | None, *, deploy: bool, rev: str | None = None) -> None:
        """Create the nodes whose root is in ``roots`` (all when None); rewire survivors; on_start."""
        created = self._create(roots)
        self._state = "start"
        if self.persist and self._stored_stop:
            # only then: a deploy's start used to read the file each time (a thread hop and a read)
            config = await asyncio.to_thread(self.storage.load_runtime_config)
            if config.get("runtimeFlowState") == "stop":
                config["runtimeFlowState"] = "start"
                await asyncio.to_thread(self.storage.save_runtime_config, config)
            self._stored_stop = False
        # Async on_start handlers are waited for up to nodeCloseTimeout in all: past it, the ones
        # still running go on as tasks the node owns (cancelled when it closes), and the flows start.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.close_timeout_s
        for route in created:
            if route.closed:
                continue
            try:
                res = route.node.on_start()
            except Exception as exc:  # a node that fails to start reports it; the others run
                route.node.error(exc)
                continue
            if inspect.isawaitable(res):
                task = route.own(res, name=f"start:{route.spec.id}")
                if await finish_within({task}, max(0.0, deadline - loop.time())):
                    log.warning("[%s:%s] still starting after nodeCloseTimeout: the flows start without "
                                "waiting for it", route.spec.type, route.spec.id)
        await self.sockets.sweep()  # the ports the old nodes held and no new node took
        self.events.publish(RUNTIME_STATE, {"state": "start", "deploy": True} if deploy else {"state": "start"},
                            retain=True)
        self.events.publish(RUNTIME_DEPLOY, {"revision": rev or self._rev}, retain=True)

    def _create(self, roots: set[str] | None) -> list[Route]:
        compiled = self._compiled
        flows: dict[str, Flow] = {}
        for fid, spec in compiled.flows.items():
            flows[fid] = Flow(self, spec, flows.get(spec.parent) if spec.parent else None)
        self.flows = flows
        created: list[Route] = []
        respec: list[Route] = []  # survivors given another spec (their wires may differ)
        for fid, spec in compiled.flows.items():
            flow = flows[fid]
            for ns in spec.nodes:
                route = self.routes.get(ns.id)
                if route is not None and not route.closed:
                    if route.spec is not ns:  # a reused spec (compiler.py) has the wires the node has
                        route.spec = ns
                        route.node.wires = [list(p) for p in ns.wires]
                        respec.append(route)
                    route.flow = route.node.host = flow
                    flow.routes[ns.id] = route
                    continue
                if roots is not None and ns.root not in roots:
                    continue
                node = self._construct(flow, ns)
                if node is None:
                    continue
                route = Route(node, flow, ns, self.dispatcher)
                if self.boundary is not None:
                    route.handoff = self.boundary(route)
                for task in [t for t in self.orphans if t.get_name() == f"node:{ns.id}"]:
                    # spawned from the constructor, before the route existed: the node owns it now
                    self.orphans.discard(task)
                    route.tasks.add(task)
                    task.add_done_callback(route.tasks.discard)
                self.routes[ns.id] = route
                flow.routes[ns.id] = route
                created.append(route)
        for fid, flow in flows.items():
            if flow.spec.kind == "subflow":
                inst = self.routes.get(fid)
                flow.instance = inst.node if inst is not None else None
        resolve_changed(self.routes, created, respec, everything=roots is None)
        for flow in flows.values():
            flow.index()
        return created

    def _class_for(self, type_name: str) -> type[Node] | None:
        if type_name.startswith("subflow:"):
            cls = self._instance_classes.get(type_name)
            if cls is None:
                cls = subflow_instance_class(type_name)
                self._instance_classes[type_name] = cls
            return cls
        if type_name in BUILTIN_TYPES and type_name not in self.registry:
            return BUILTIN_TYPES[type_name]
        return self.registry.get(type_name)

    def _construct(self, flow: Flow, ns: Any) -> Node | None:
        cls = self._class_for(ns.type)
        if cls is None:
            return None
        cfg = ns.config

        def lookup(name: str) -> Any:
            return flow.env_lookup(cfg.get("id", ""), cfg.get("name") or "", cfg.get("g"), name)

        try:
            # env_free: the node's text has no "${" (substitute_env's own check is a repr of the
            # config: ~5 us a node, 7 % of a full deploy of 10,000 nodes)
            config = cfg if ns.env_free else substitute_env(cfg, lookup)
            creds = self.credentials.get(cfg.get("_alias") or ns.id)
            node = cls(flow, config, creds)
            node.wires = [list(p) for p in ns.wires]
            return node
        except Exception as exc:  # a node that cannot be built is reported; the flow runs without it
            text = f"failed to create node: {error_text(exc)}"
            log.error("[%s:%s] %s", ns.type, ns.id, text)
            self.events.publish("debug", log_event(20, ns.id, ns.type, text, z=cfg.get("z"), name=cfg.get("name"),
                                                   path=flow.path, max_length=self.settings.debugMaxLength))
            self.on_log(20, ns.id, text)
            return None

    async def _stop_nodes(self, roots: set[str] | None, removed: set[str], reason: str | None = None) -> None:
        """Close running nodes whose root is in ``roots`` (all when None): nodes first, config last.
        With a ``reason`` (a deploy, a stop), the messages this drops are logged, by node."""
        stopping = [r for r in self.routes.values() if roots is None or r.spec.root in roots]
        if not stopping:
            return
        if reason is not None:  # Node-RED drops them in silence; we say so
            ids = {r.spec.id for r in stopping}
            queued = Counter({k: v for k, v in self.dispatcher.queued_by_node().items() if k in ids})
            self._log_dropped(queued, self._held_by_node(stopping),
                              f"{reason}: %s in flight dropped with the nodes it stopped: %s")
        timeout = self.settings.close_timeout_s
        for phase in (False, True):
            batch = [r for r in stopping if r.spec.is_config is phase]
            # close handlers run in order now; only what they leave to await becomes a task
            rest = [c for r in batch if (c := r.begin_close(r.spec.root in removed, timeout, self.abandoned))]
            if rest:
                await asyncio.gather(*rest)
        self.stats.retire(stopping)
        for r in stopping:
            self.routes.pop(r.spec.id, None)
            r.flow.routes.pop(r.spec.id, None)
            self.context.node_stopped(r.spec.id, r.node.z)
            if r.spec.id in self.status_ids:
                self.status_ids.discard(r.spec.id)
                self.events.publish(f"status/{r.spec.id}", {}, retain=True)
        # re-resolve only the survivors wired to a stopped node, re-index only the flows that lost
        # one (a deploy's create does all of them again; this covers messages sent in between)
        gone = {r.spec.id for r in stopping}
        for route in self.routes.values():
            for port in route.spec.wires:
                if not gone.isdisjoint(port):
                    route.resolve(self.routes)
                    break
        for flow in {id(r.flow): r.flow for r in stopping}.values():
            flow.index()

