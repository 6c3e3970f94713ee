"""Context stores: where context values live. ``MemoryStore`` (lost on restart) and ``FileStore``
(Node-RED's ``localfilesystem``: JSON files under ``<dir>/context``, cached, flushed periodically).

A store holds one dict per *scope id*: ``"global"``, a flow id, or ``"<node id>:<flow id>"`` for a
node (Node-RED's naming). Values are kept by reference, as Node-RED's stores keep them.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from pathlib import Path
from typing import Any, NamedTuple, Protocol
from urllib.parse import quote, unquote

from .storage import atomic_write
from .types import UNDEFINED

__all__ = ["ContextStore", "FileStore", "MemoryStore", "PendingWrite", "from_disk", "to_disk"]

log = logging.getLogger("flowengine.context")

GLOBAL = "global"


class PendingWrite(NamedTuple):
    """A serialised scope waiting to be written; ``retry()`` marks it dirty again after a failure."""

    scope: str
    path: Path
    data: bytes
    store: FileStore


class ContextStore(Protocol):
    """What the context manager needs from a store."""

    name: str

    def data(self, scope: str, create: bool = True) -> dict[str, Any] | None: ...
    def touch(self, scope: str) -> None: ...
    def scopes(self) -> list[str]: ...
    def delete_scope(self, scope: str) -> None: ...
    def flush(self) -> list[PendingWrite]: ...
    def close(self) -> None: ...


class MemoryStore:
    """Context kept in process memory (Node-RED's ``memory`` module)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._scopes: dict[str, dict[str, Any]] = {}

    def data(self, scope: str, create: bool = True) -> dict[str, Any] | None:
        found = self._scopes.get(scope)
        if found is None and create:
            found = self._scopes[scope] = {}
        return found

    def touch(self, scope: str) -> None:
        return None

    def scopes(self) -> list[str]:
        return list(self._scopes)

    def delete_scope(self, scope: str) -> None:
        self._scopes.pop(scope, None)

    def flush(self) -> list[PendingWrite]:
        return []

    def close(self) -> None:
        self._scopes.clear()


def _safe(part: str) -> str:
    """An id as a single, harmless file name component (ids may contain ``/`` or ``..``)."""
    text = quote(part, safe="-_.")
    return "%2E" + text[1:] if text.startswith(".") else text


class FileStore:
    """Node-RED's ``localfilesystem`` store: ``<dir>/<base>/global/global.json``,
    ``<flow id>/flow.json``, ``<flow id>/<node id>.json``; pretty JSON, atomic writes.

    With ``cache`` (default) values live in memory and dirty scopes are written by ``flush()``
    (the manager calls it every ``flushInterval`` seconds and on close); without it every
    change is written at once.
    """

    def __init__(self, name: str, root: Path, cache: bool = True) -> None:
        self.name = name
        self.root = root
        self.cache = cache
        self._scopes: dict[str, dict[str, Any]] = {}
        self._dirty: set[str] = set()

    # --- paths ---
    def path_for(self, scope: str) -> Path:
        if scope == GLOBAL:
            return self.root / "global" / "global.json"
        node_id, sep, flow_id = scope.partition(":")
        if sep:
            return self.root / _safe(flow_id) / (_safe(node_id) + ".json")
        return self.root / _safe(scope) / "flow.json"

    def _scope_for(self, path: Path) -> str | None:
        folder = unquote(path.parent.name)
        stem = unquote(path.stem)
        if path.parent.name == "global" and path.name == "global.json":
            return GLOBAL
        if path.name == "flow.json":
            return folder
        return f"{stem}:{folder}"

    # --- data ---
    def data(self, scope: str, create: bool = True) -> dict[str, Any] | None:
        found = self._scopes.get(scope)
        if found is None:
            found = self._load(scope)
            if found is None:
                if not create:
                    return None
                found = {}
            self._scopes[scope] = found
        return found

    def _load(self, scope: str) -> dict[str, Any] | None:
        path = self.path_for(scope)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            loaded = json.loads(raw.decode("utf-8")) if raw.strip() else {}
            if not isinstance(loaded, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
            os.replace(path, aside)
            log.error("context file %s is corrupt (%s); moved to %s, starting empty", path, exc, aside)
            return None
        revived = from_disk(loaded)
        assert isinstance(revived, dict)
        return revived

    def touch(self, scope: str) -> None:
        if self.cache:
            self._dirty.add(scope)
        else:
            self._write_now(scope)

    def scopes(self) -> list[str]:
        found = set(self._scopes)
        if self.root.is_dir():
            for path in self.root.glob("*/*.json"):
                scope = self._scope_for(path)
                if scope is not None:
                    found.add(scope)
        return sorted(found)

    def delete_scope(self, scope: str) -> None:
        self._scopes.pop(scope, None)
        self._dirty.discard(scope)
        path = self.path_for(scope)
        path.unlink(missing_ok=True)
        path.with_name(f".{path.name}.backup").unlink(missing_ok=True)
        folder = path.parent
        if scope != GLOBAL and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()

    def flush(self) -> list[PendingWrite]:
        """Serialise the dirty scopes now; the caller writes them (``atomic_write``) off the loop."""
        pending = []
        for scope in sorted(self._dirty):
            values = self._scopes.get(scope)
            if values is not None:
                pending.append(PendingWrite(scope, self.path_for(scope), _serialise(values), self))
        self._dirty.clear()
        return pending

    def mark_dirty(self, scope: str) -> None:
        """Write ``scope`` again on the next flush (its last write failed)."""
        if scope in self._scopes:
            self._dirty.add(scope)

    def _write_now(self, scope: str) -> None:
        values = self._scopes.get(scope)
        if values is not None:
            atomic_write(self.path_for(scope), _serialise(values), backup=False)

    def close(self) -> None:
        """Drop the cache (the manager flushed it first)."""
        self._scopes.clear()
        self._dirty.clear()


def _serialise(values: dict[str, Any]) -> bytes:
    return json.dumps(to_disk(values), indent=4, ensure_ascii=False).encode("utf-8")


def to_disk(value: Any) -> Any:
    """A JSON-safe copy: bytes -> ``{"type":"Buffer","data":[...]}`` (Node's form), NaN/Infinity ->
    null, undefined entries dropped (null inside arrays), sets/tuples -> arrays."""
    if isinstance(value, dict):
        return {str(k): to_disk(v) for k, v in value.items() if v is not UNDEFINED and not callable(v)}
    if isinstance(value, list | tuple | set | frozenset):
        return [None if v is UNDEFINED else to_disk(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return {"type": "Buffer", "data": list(value)}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float):
        return value
    if value is UNDEFINED:
        return None
    return str(value)


def from_disk(value: Any) -> Any:
    """Inverse of ``to_disk`` for buffers: ``{"type":"Buffer","data":[ints]}`` -> bytes."""
    if isinstance(value, dict):
        if len(value) == 2 and value.get("type") == "Buffer" and isinstance(value.get("data"), list):
            data = value["data"]
            if all(isinstance(b, int) and 0 <= b < 256 for b in data):
                return bytes(data)
        return {k: from_disk(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_disk(v) for v in value]
    return value
