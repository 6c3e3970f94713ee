"""Environment variables as Node-RED resolves them for a node.

Lookup order: the node's ``NR_*`` built-ins -> enclosing groups (inner first) -> the flow (a tab's
``env``; for a subflow instance: instance env, then the subflow template's env, then the parent
flow) -> the ``global-config`` node's env -> the process environment. Entries are typed (``str``,
``num``, ``bool``, ``json``, ``bin``, ``env``, ``jsonata``, ``cred``).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from .model import EnvEntry
from .types import UNDEFINED

__all__ = ["convert_env_value", "substitute_env", "whole_env_ref"]

_WHOLE = re.compile(r"^\$\{([^}]+)\}$")
_SKIP_KEYS = frozenset({"id", "type", "z", "g", "wires", "x", "y", "_alias", "credentials"})


def convert_env_value(
    entry: EnvEntry,
    lookup_other: Callable[[str], Any],
    jsonata: Callable[[str], Any] | None = None,
    credentials: Mapping[str, Any] | None = None,
) -> Any:
    """The value of one typed env entry (Node-RED's evaluateEnvProperty rules)."""
    v, t = entry.value, entry.type
    if t == "num":
        return _number(v)
    if t == "bool":
        return v is True or (isinstance(v, str) and v.lower() == "true")
    if t == "json":
        try:
            return json.loads(v) if isinstance(v, str) else v
        except ValueError:
            return v
    if t == "bin":
        try:
            data = json.loads(v) if isinstance(v, str) else v
        except ValueError:
            data = v
        if isinstance(data, list):
            return bytes(int(b) & 0xFF for b in data)
        return str(data).encode("utf-8")
    if t == "env":
        return lookup_other(str(v))
    if t == "jsonata":
        return jsonata(str(v)) if jsonata is not None else v
    if t == "cred":
        return (credentials or {}).get(entry.name, UNDEFINED)
    return "" if v is None else (v if isinstance(v, str) else json.dumps(v) if isinstance(v, dict | list)
                                 else str(v).lower() if isinstance(v, bool) else str(v))


def _number(v: Any) -> Any:
    if isinstance(v, bool):
        return 1 if v else 0
    if isinstance(v, int | float):
        return v
    s = str(v).strip()
    if s == "":
        return 0
    try:
        f = float(s) if not s.lower().startswith(("0x", "-0x")) else float(int(s, 16))
    except ValueError:
        return math.nan
    return int(f) if f.is_integer() and "e" not in s.lower() and "." not in s else f


def whole_env_ref(value: Any) -> str | None:
    """``NAME`` when ``value`` is exactly ``${NAME}``, else None (``"L=${X}"`` stays literal)."""
    if isinstance(value, str) and value.startswith("${"):
        m = _WHOLE.match(value)
        if m:
            return m.group(1).strip()
    return None


def substitute_env(config: dict[str, Any], lookup: Callable[[str], Any]) -> dict[str, Any]:
    """A copy of a node config with every whole-string ``${VAR}`` replaced (undefined -> ``""``)."""
    if "${" not in repr(config):  # the common case, checked at C speed
        return config
    changed = False
    out: dict[str, Any] = {}
    for k, v in config.items():
        if k in _SKIP_KEYS:
            out[k] = v
            continue
        nv = _subst(v, lookup, 0)
        changed = changed or nv is not v
        out[k] = nv
    return out if changed else config


def _subst(v: Any, lookup: Callable[[str], Any], depth: int) -> Any:
    if depth > 32:
        return v
    if isinstance(v, str):
        name = whole_env_ref(v)
        if name is None:
            return v
        value = lookup(name)
        return "" if value is UNDEFINED or value is None else value
    if isinstance(v, dict):
        new = {k: _subst(x, lookup, depth + 1) for k, x in v.items()}
        return v if all(new[k] is v[k] for k in v) else new
    if isinstance(v, list):
        items = [_subst(x, lookup, depth + 1) for x in v]
        return v if all(a is b for a, b in zip(items, v, strict=True)) else items
    return v


def process_env(name: str) -> Any:
    value = os.environ.get(name)
    return UNDEFINED if value is None else value
