"""Context: node, flow and global key/value scopes backed by named stores.

``ContextManager(settings)`` builds the stores named in ``settings.contextStorage`` (Node-RED's
shape ``{"default": {"module": "memory"}, "file": {"module": "localfilesystem", "config": {...}}}``;
a string value aliases another store). Scopes are handed to nodes::

    ctx = manager.flow_scope("tab1")
    ctx.set("count", 5)                  # default store
    ctx.get("obj.a[0]", store="file")    # keys are property paths
    ctx.set("count", UNDEFINED)          # deletes

An unknown store name falls back to the default store with a warning, as Node-RED does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .context_store import GLOBAL, ContextStore, FileStore, MemoryStore, PendingWrite
from .encoding import encode_object
from .errors import SettingsError, StorageError
from .message import delete_property, get_property, parse_path, set_property
from .storage import atomic_write
from .types import UNDEFINED

__all__ = ["ContextManager", "ContextScope", "parse_context_key"]

log = logging.getLogger("flowengine.context")

_STORE_KEY = re.compile(r"^#:\((\S+?)\)::(.*)$")


def parse_context_key(key: str) -> tuple[str | None, str]:
    """``"#:(file)::a.b"`` -> ``("file", "a.b")``; a key without the prefix -> ``(None, key)``."""
    m = _STORE_KEY.match(key)
    if m is None:
        return None, key
    return m.group(1), m.group(2)


class ContextScope:
    """One context (a node's, a flow's or the global one). Keys are property paths."""

    def __init__(self, manager: ContextManager, scope_id: str, kind: str, parent: ContextScope | None = None):
        self.manager = manager
        self.scope_id = scope_id
        self.kind = kind  # "node" | "flow" | "global"
        self.parent = parent

    def _route(self, key: str) -> tuple[ContextScope | None, str]:
        scope: ContextScope | None = self
        while key.startswith("$parent.") and scope is not None:
            scope = scope.parent
            key = key[len("$parent.") :]
        return scope, key

    def get(self, key: str, store: str | None = None) -> Any:
        """The value at ``key`` (``UNDEFINED`` when absent). A list of keys gives a list of values."""
        if isinstance(key, list):
            return [self.get(k, store) for k in key]
        scope, key = self._route(key)
        if scope is None:
            return UNDEFINED
        backend = self.manager.store(store)
        if getattr(backend, "keyed", False):
            return backend.get_value(scope.scope_id, parse_path(key))  # type: ignore[attr-defined]
        data = backend.data(scope.scope_id, create=False)
        if data is None:
            return UNDEFINED
        return get_property(data, parse_path(key))

    def set(self, key: str, value: Any, store: str | None = None) -> None:
        """Set ``key``; ``UNDEFINED`` deletes it. ``None`` stores ``null``."""
        scope, key = self._route(key)
        if scope is None:
            raise KeyError(f"context key '$parent.{key}': the {self.kind} context {self.scope_id} has no parent")
        backend = self.manager.store(store)
        if getattr(backend, "keyed", False):
            backend.set_value(scope.scope_id, parse_path(key), value)  # type: ignore[attr-defined]
            return
        data = backend.data(scope.scope_id)
        assert data is not None
        set_property(data, parse_path(key), value)
        backend.touch(scope.scope_id)
        self.manager.schedule_flush()

    def delete(self, key: str, store: str | None = None) -> None:
        """Remove ``key``; a missing key is not an error."""
        scope, key = self._route(key)
        if scope is None:
            return
        backend = self.manager.store(store)
        if getattr(backend, "keyed", False):
            backend.delete_value(scope.scope_id, parse_path(key))  # type: ignore[attr-defined]
            return
        data = backend.data(scope.scope_id, create=False)
        if data is None:
            return
        delete_property(data, parse_path(key))
        backend.touch(scope.scope_id)
        self.manager.schedule_flush()

    def keys(self, store: str | None = None) -> list[str]:
        """Top-level keys (``functionGlobalContext`` keys hidden unless ``exportGlobalContextKeys``)."""
        backend = self.manager.store(store)
        if getattr(backend, "keyed", False):
            names: list[str] = backend.keys_of(self.scope_id)  # type: ignore[attr-defined]
        else:
            data = backend.data(self.scope_id, create=False)
            names = list(data) if data else []
        hidden = self.manager.hidden_keys if self.kind == "global" and backend is self.manager.default else ()
        return [k for k in names if k not in hidden]

    def incr(self, key: str, by: int | float = 1, store: str | None = None) -> Any:
        """Add ``by`` to the number at top-level ``key`` (missing = 0) and return the new value;
        atomic across processes in a shared (``redis``) store."""
        backend = self.manager.store(store)
        if getattr(backend, "keyed", False):
            return backend.incr(self.scope_id, key, by)  # type: ignore[attr-defined]
        current = self.get(key, store)
        value = (0 if current is UNDEFINED or current is None else current) + by
        self.set(key, value, store)
        return value

    def compare_and_set(self, key: str, expected: Any, value: Any, store: str | None = None) -> bool:
        """Set top-level ``key`` to ``value`` only if it holds ``expected`` (``UNDEFINED`` = absent);
        True when set. Atomic across processes in a shared (``redis``) store."""
        backend = self.manager.store(store)
        if getattr(backend, "keyed", False):
            return bool(backend.compare_and_set(self.scope_id, key, expected, value))  # type: ignore[attr-defined]
        if self.get(key, store) != expected:
            return False
        self.set(key, value, store)
        return True

    def __repr__(self) -> str:
        return f"<ContextScope {self.kind} {self.scope_id!r}>"


class ContextManager:
    """Owns the context stores, the scopes and the periodic flush task of file stores."""

    def __init__(self, settings: Any, persist: bool = True) -> None:
        self.settings = settings
        self.configured = getattr(settings, "contextStorage", None) is not None
        self._stores: dict[str, ContextStore] = {}
        self._aliases: dict[str, str] = {}
        self.flush_interval = 30.0
        self._build(getattr(settings, "contextStorage", None), persist)
        self._scopes: dict[str, ContextScope] = {}
        self._global = ContextScope(self, GLOBAL, "global")
        self._flush_task: asyncio.Task[None] | None = None
        self._flush_lock: asyncio.Lock | None = None
        self._closed = False
        self._warned: set[str] = set()
        preload = dict(getattr(settings, "functionGlobalContext", None) or {})
        seed = self.default.data(GLOBAL)
        assert seed is not None
        for k, v in preload.items():
            seed.setdefault(k, v)
        export = bool(getattr(settings, "exportGlobalContextKeys", False))
        self.hidden_keys: frozenset[str] = frozenset() if export else frozenset(preload)

    # --- configuration ---
    def _build(self, config: dict[str, Any] | None, persist: bool) -> None:
        if not config:
            self._stores["default"] = MemoryStore("default")
            self._default_name = "default"
            return
        if not isinstance(config, dict):
            raise SettingsError("contextStorage must be a table of stores")
        first: str | None = None
        for name, spec in config.items():
            if isinstance(spec, str):
                self._aliases[name] = spec
                continue
            if not isinstance(spec, dict):
                raise SettingsError(f"contextStorage.{name} must be a table with a 'module'")
            self._stores[name] = self._make(name, spec, persist)
            first = first or name
        for name, target in self._aliases.items():
            if target not in self._stores:
                raise SettingsError(f"contextStorage.{name} names the unknown store {target!r}")
        if "default" in self._aliases:
            self._default_name = self._aliases["default"]
        elif "default" in self._stores:
            self._default_name = "default"
        elif first is not None:
            self._default_name = first
        else:
            raise SettingsError("contextStorage defines no store")

    def _make(self, name: str, spec: dict[str, Any], persist: bool) -> ContextStore:
        module = spec.get("module", "memory")
        cfg = spec.get("config") or {}
        if module == "memory":
            return MemoryStore(name)
        if module in ("localfilesystem", "file"):
            if not persist:
                return MemoryStore(name)
            base = Path(cfg.get("dir") or self.settings.user_dir) / str(cfg.get("base", "context"))
            interval = cfg.get("flushInterval")
            if interval is not None:
                self.flush_interval = max(0.0, float(interval))
            return FileStore(name, base, cache=bool(cfg.get("cache", True)))
        if module == "redis":
            from .context_redis import RedisStore

            queue = self.settings.extra.get("queue") if hasattr(self.settings, "extra") else None
            url = cfg.get("url") or (queue.get("url") if isinstance(queue, dict) else None)
            clean = cfg.get("clean", True)
            if not isinstance(clean, bool):
                raise SettingsError(f"contextStorage.{name}: config.clean must be true or false, got {clean!r}")
            return RedisStore(name, url, str(cfg.get("prefix") or "flowengine"), clean=clean)
        raise SettingsError(f"contextStorage.{name}: unknown module {module!r} "
                            "(use memory, localfilesystem or redis)")

    @property
    def default_store(self) -> str:
        """Name of the default store."""
        return self._default_name

    @property
    def default(self) -> ContextStore:
        return self._stores[self._default_name]

    def stores(self) -> list[str]:
        """Names of the configured stores (aliases excluded), default first."""
        names = list(self._stores)
        names.remove(self._default_name)
        return [self._default_name, *names]

    def store(self, name: str | None) -> ContextStore:
        """The store called ``name`` (``None``/``"default"`` = the default); unknown -> default + warning."""
        if name is None:
            return self._stores[self._default_name]
        found = self._stores.get(name) or self._stores.get(self._aliases.get(name, ""))
        if found is not None:
            return found
        if name not in self._warned:
            self._warned.add(name)
            log.warning("context store %r is not configured; using the default store %r", name, self._default_name)
        return self._stores[self._default_name]

    # --- scopes ---
    def global_scope(self) -> ContextScope:
        return self._global

    def flow_scope(self, flow_id: str, parent: ContextScope | None = None) -> ContextScope:
        """The flow context of a tab or a subflow instance; ``parent`` answers ``$parent.`` keys."""
        scope = self._scopes.get(flow_id)
        if scope is None or scope.kind != "flow" or (parent is not None and scope.parent is not parent):
            scope = self._scopes[flow_id] = ContextScope(self, flow_id, "flow", parent)
        return scope

    def node_scope(self, node_id: str, flow_id: str | None) -> ContextScope:
        scope_id = f"{node_id}:{flow_id or 'global'}"
        scope = self._scopes.get(scope_id)
        if scope is None:
            scope = self._scopes[scope_id] = ContextScope(self, scope_id, "node")
        return scope

    def node_stopped(self, node_id: str, flow_id: str | None) -> None:
        """Called when a node stops: without ``contextStorage`` its context is dropped (Node-RED)."""
        if not self.configured:
            scope_id = f"{node_id}:{flow_id or 'global'}"
            self._scopes.pop(scope_id, None)
            for backend in self._stores.values():
                backend.delete_scope(scope_id)

    def clean(self, active_ids: Iterable[str]) -> None:
        """Remove node and flow contexts whose node/flow id is no longer in ``active_ids``."""
        active = set(active_ids)
        for backend in self._stores.values():
            for scope_id in backend.scopes():
                if scope_id == GLOBAL:
                    continue
                node_id, sep, flow_id = scope_id.partition(":")
                alive = (node_id in active and (flow_id in active or flow_id == "global")) if sep else (
                    scope_id in active
                )
                if not alive:
                    backend.delete_scope(scope_id)
                    self._scopes.pop(scope_id, None)

    # --- admin view ---
    def encode_scope(
        self, scope: ContextScope, key: str | None = None, store: str | None = None
    ) -> dict[str, Any]:
        """What ``GET /context/...`` answers: ``{store: {key: {msg, format}}}`` for every (or the given)
        store; with ``key`` the single encoded value of that store (default store when not given)."""
        max_length = int(getattr(self.settings, "debugMaxLength", 1000) or 1000)
        if key is not None:
            return encode_object(scope.get(key, store), max_length)
        names = [store] if store is not None else self.stores()
        out: dict[str, Any] = {}
        for name in names:
            backend_name = name if name in self._stores else self._aliases.get(name, name)
            if backend_name not in self._stores:
                continue
            out[name] = {k: encode_object(scope.get(k, backend_name), max_length) for k in scope.keys(backend_name)}
        return out

    # --- persistence ---
    def schedule_flush(self) -> None:
        """Start the delayed flush when a file store became dirty (needs a running event loop)."""
        if self._flush_task is not None or self._closed:
            return
        if not any(isinstance(s, FileStore) and s.cache for s in self._stores.values()):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (synchronous use): close()/flush() write the data
        self._flush_task = loop.create_task(self._flush_later(), name="context-flush")

    async def _flush_later(self) -> None:
        try:
            await asyncio.sleep(self.flush_interval)
        finally:
            self._flush_task = None
        try:
            await self.flush()
        except StorageError as exc:
            log.error("%s; retrying in %s s", exc, self.flush_interval)
            self.schedule_flush()

    async def flush(self) -> None:
        """Write every dirty file-store scope now (atomically, off the event loop).

        Raises ``StorageError`` when a file cannot be written (the scope stays dirty for a retry).
        """
        if self._flush_lock is None:
            self._flush_lock = asyncio.Lock()
        async with self._flush_lock:  # two overlapping flushes must not write an older snapshot last
            pending: list[PendingWrite] = []
            for backend in self._stores.values():
                pending.extend(backend.flush())
            failures: list[str] = []
            for item in pending:
                try:
                    await asyncio.to_thread(atomic_write, item.path, item.data, False)
                except StorageError as exc:
                    item.store.mark_dirty(item.scope)  # keep it for the next attempt
                    failures.append(str(exc))
            if failures:
                raise StorageError("context not saved: " + "; ".join(failures))

    async def close(self) -> None:
        """Stop the flush task and write everything (a clean stop loses no context)."""
        self._closed = True
        task = self._flush_task
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self._flush_task = None
        try:
            await self.flush()
        finally:
            for backend in self._stores.values():
                backend.close()
