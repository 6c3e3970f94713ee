"""The registry of node types, filled from the ``flowengine.nodes`` entry-point group.

A node package exposes ``register(registry: Registry) -> None`` and calls ``registry.add(NodeClass)``
for each type; it may also contribute admin HTTP routes with ``registry.add_route`` (the server
mounts them, as Node-RED nodes add routes to ``RED.httpAdmin``).

A package that raises while it is imported or registered is logged with its name and error, kept
in ``failed`` (``GET /nodes`` lists it with ``err``, ``flowengine nodes`` prints it) and contributes
nothing: the types it did add before failing are taken back. The other packages load, the server
starts, and flows using the package's types wait in the ``missing-types`` state, as Node-RED's do.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from .errors import FlowProblem
from .node import Node

__all__ = ["NodeSet", "Registry", "RouteSpec"]

log = logging.getLogger("flowengine.registry")


@dataclass(frozen=True)
class RouteSpec:
    """An admin route a node package contributes: ``endpoint(request, runtime) -> response``."""

    path: str
    methods: tuple[str, ...]
    endpoint: Callable[..., Any]


@dataclass(frozen=True)
class NodeSet:
    """The types one package registered (what ``GET /nodes`` lists)."""

    module: str
    name: str
    types: tuple[str, ...]
    version: str


class Registry:
    """Node types by type name, with a cached JSON-schema validator per type."""

    def __init__(self) -> None:
        self._types: dict[str, type[Node]] = {}
        self._module_of: dict[str, str] = {}
        self._validators: dict[str, Any] = {}
        self._bundled: set[str] = set()
        """Types of this distribution's own packages: their schemas are checked by the test suite
        (tests/flowengine/test_bundled_schemas.py), not again on each runtime's first use (~5 ms a type)."""
        # Validation results by (type, canonical properties): large flows repeat the same
        # configurations (and redeploys repeat all of them), and jsonschema costs ~100 us a node.
        self._verdicts: dict[tuple[str, str], tuple[tuple[str | None, str, str], ...]] = {}
        self.routes: list[RouteSpec] = []
        self._current_module = "local"
        self._loading_bundled = False
        self.generation = 0
        """Counts the types added: what a deploy parsed and validated under another count is not reused."""
        self.failed: dict[str, str] = {}
        """Node packages that failed to load: name -> ``"ExceptionType: message"``."""
        self.packages: dict[str, str] = {}
        """Node packages loaded: name -> module (where an ``examples`` folder is looked for)."""
        self._types_json: bytes | None = None

    # --- filling ---
    def add(self, cls: type[Node]) -> None:
        if not cls.type:
            raise ValueError(f"{cls.__name__} has no type name")
        if cls.type in self._types and self._types[cls.type] is not cls:
            raise ValueError(f"node type {cls.type!r} registered twice")
        self._types[cls.type] = cls
        self._module_of[cls.type] = self._current_module
        if self._loading_bundled:
            self._bundled.add(cls.type)
        self._types_json = None
        self.generation += 1

    def add_route(self, path: str, endpoint: Callable[..., Any], methods: Iterable[str] = ("GET",)) -> None:
        self.routes.append(RouteSpec(path, tuple(methods), endpoint))

    def load_module(self, module_name: str, package: str | None = None) -> None:
        """Import ``module_name`` and call its ``register(registry)``."""
        module = importlib.import_module(module_name)
        self._current_module = package or module_name
        try:
            module.register(self)
        finally:
            self._current_module = "local"
        self.packages[package or module_name] = module_name

    def load_package(self, module_name: str, name: str) -> bool:
        """``load_module``, except that a package that raises is logged and recorded in ``failed``
        (whatever it registered before the error is taken back); False then."""
        types, routes = set(self._types), len(self.routes)
        try:
            self.load_module(module_name, name)
        except Exception as exc:  # one broken package must not stop the runtime: its types go missing
            for added in set(self._types) - types:
                del self._types[added]
                self._module_of.pop(added, None)
                self._bundled.discard(added)
                self._validators.pop(added, None)
            self._types_json = None
            self.generation += 1
            del self.routes[routes:]
            text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            self.failed[name] = text
            log.error("[%s] node package failed to load (module %s): %s; its node types are missing",
                      name, module_name, text)
            return False
        return True

    def load_entry_points(self, group: str = "flowengine.nodes", *, skip_dist: str | None = None) -> set[str]:
        """Load every node package registered under the entry-point group (except those of
        distribution ``skip_dist``); returns their modules (a package that fails to load is logged
        and counted as seen)."""
        loaded: set[str] = set()
        for ep in sorted(entry_points(group=group), key=lambda e: e.name):
            dist = getattr(ep, "dist", None)
            if skip_dist is not None and dist is not None and dist.name == skip_dist:
                continue
            self.load_package(ep.value, ep.name)
            loaded.add(ep.value)
        return loaded

    @classmethod
    def default(cls) -> Registry:
        """A registry with the bundled node packages and every other installed one.

        The bundled packages are loaded by their module names here, not through this
        distribution's own entry points: those are the installed metadata, which may be older than
        the code (a source tree never pip-installed, or installed before a package was added or
        moved)."""
        reg = cls()
        reg._loading_bundled = True
        try:
            for name, mod in sorted(BUNDLED):
                reg.load_package(mod, name)
        finally:
            reg._loading_bundled = False
        reg.load_entry_points(skip_dist=DISTRIBUTION)
        return reg

    # --- reading ---
    def get(self, type_name: str) -> type[Node] | None:
        return self._types.get(type_name)

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._types

    def types(self) -> list[str]:
        return list(self._types)

    def node_sets(self) -> list[NodeSet]:
        by_module: dict[str, list[str]] = {}
        for t, m in self._module_of.items():
            by_module.setdefault(m, []).append(t)
        return [NodeSet(m, m, tuple(ts), _version()) for m, ts in by_module.items()]

    def module_of(self, type_name: str) -> str:
        return self._module_of.get(type_name, "local")

    def describe(self, type_name: str) -> dict[str, Any]:
        """The editor's view of one type (``GET /node-types``)."""
        cls = self._types[type_name]
        return {
            "type": cls.type,
            "module": self._module_of.get(cls.type, "local"),
            "category": cls.category,
            "label": cls.label or cls.type,
            "color": cls.color,
            "icon": cls.icon,
            "inputs": cls.inputs,
            "outputs": cls.outputs,
            "config": cls.is_config,
            "schema": cls.schema,
            "credentials": dict(cls.credentials_schema),
            "help": cls.help,
        }

    def types_json(self) -> bytes:
        """``describe`` of every type as one JSON array (``GET /node-types``), encoded once and kept
        until a type is added or taken back: the types change only while packages load, and the
        array (every OpenAI type's schema and help) is about 1 MB, ~100 ms to build and encode."""
        if self._types_json is None:
            described = [self.describe(t) for t in self.types()]
            self._types_json = json.dumps(described, ensure_ascii=False, allow_nan=False,
                                          separators=(",", ":")).encode()
        return self._types_json

    def _validator(self, cls: type[Node]) -> Any:
        import jsonschema  # here, not at start: a runtime that validates nothing never loads it (~60 ms)

        vcls = jsonschema.validators.validator_for(cls.schema)
        if cls.type not in self._bundled:
            vcls.check_schema(cls.schema)  # a third-party package's schema: SchemaError names what is wrong
        validator = vcls(cls.schema)
        self._validators[cls.type] = validator
        return validator

    def prepare_validation(self, package: str = "core") -> None:
        """Import jsonschema and build the validators of ``package``'s types now (``serve`` calls it
        in a thread once it listens), so that the first deploy does not wait for them (~80 ms)."""
        for type_name, module in list(self._module_of.items()):
            cls = self._types.get(type_name)
            if module == package and cls is not None and type_name not in self._validators:
                self._validator(cls)

    def validate(self, config: dict[str, Any]) -> list[FlowProblem]:
        """Problems with one node's properties against its type's JSON schema."""
        cls = self._types.get(config.get("type", ""))
        if cls is None:
            return []
        validator = self._validators.get(cls.type)
        if validator is None:
            validator = self._validator(cls)
        props = {k: v for k, v in config.items() if k not in _IGNORED_FOR_SCHEMA}
        try:
            key: tuple[str, str] | None = (cls.type, _verdict_key(props))
        except (TypeError, ValueError, RecursionError):  # not JSON-like (a caller's objects): validate uncached
            key = None
        verdict = self._verdicts.get(key) if key else None
        if verdict is None:
            verdict = tuple(_describe(err) for err in validator.iter_errors({**props, "id": config.get("id")}))
            verdict += tuple(cls.check_config(props))
            if key:
                if len(self._verdicts) >= _VERDICT_CACHE_SIZE:
                    self._verdicts.clear()
                self._verdicts[key] = verdict
        return [FlowProblem(config.get("id"), cls.type, path, message, level) for path, message, level in verdict]


BUNDLED = (
    ("core", "flowengine.nodes.core"),
    ("openai", "flowengine.nodes.openai"),
    ("dashboard", "flowengine.nodes.dashboard"),
)
"""The node packages of this distribution (also declared as entry points in pyproject.toml)."""
DISTRIBUTION = "flowengine"
_IGNORED_FOR_SCHEMA = frozenset({"id", "wires", "x", "y", "z", "g", "d", "l"})
_VERDICT_CACHE_SIZE = 50_000
_KEY_ENCODER = (c_make_encoder(None, repr, encode_basestring_ascii, None, ": ", ", ", True, False, True)
                if c_make_encoder is not None else None)
_KEY_FALLBACK = json.JSONEncoder(sort_keys=True, default=repr).encode


def _verdict_key(props: dict[str, Any]) -> str:
    """``json.dumps(props, sort_keys=True, default=repr)`` from one C encoder made once (``encode``
    makes one per call: half the key's cost). Without the circular-reference check: a circular
    structure raises RecursionError (JSON from a request has none)."""
    return "".join(_KEY_ENCODER(props, 0)) if _KEY_ENCODER is not None else _KEY_FALLBACK(props)


def _describe(err: Any) -> tuple[str | None, str, str]:
    path = ".".join(str(p) for p in err.absolute_path) or None
    if path is None and err.validator == "required" and "'" in err.message:
        path = err.message.split("'")[1]
    return path, err.message, "error"


def _version() -> str:
    from . import __version__

    return __version__
