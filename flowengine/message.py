"""Messages: ids, deep clones and property paths (``payload.a[0]["b c"]``)."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from random import getrandbits
from typing import Any

from .types import UNDEFINED, Msg

__all__ = [
    "PropertyPathError",
    "clone_msg",
    "deep_clone",
    "delete_property",
    "get_property",
    "new_msgid",
    "parse_path",
    "set_property",
]

# Node-RED keeps the HTTP request/response objects shared between clones.
_SHARED_KEYS = frozenset({"req", "res"})
_IMMUTABLE = (str, int, float, bool, bytes, type(None), complex, frozenset, type(UNDEFINED))
_IMMUTABLE_TYPES = frozenset(_IMMUTABLE)
"""The same, for ``v.__class__ in``: a hash lookup instead of a scan of the tuple."""


def new_msgid() -> str:
    """A fresh ``_msgid``: 16 hex chars, like Node-RED's. From ``random`` (reseeded in a forked
    child), not ``os.urandom``: a message id is no secret, and the system call was a third of the
    cost of a fan-out's send."""
    return f"{getrandbits(64):016x}"


def deep_clone(value: Any) -> Any:
    """Deep copy of JSON-like data, fast for dict/list/scalars; other objects use ``copy.deepcopy``."""
    cls = value.__class__
    if cls is dict:
        # a C copy, then only the mutable values replaced: twice as fast as a comprehension for the
        # small dicts of scalars messages carry (msg.parts, headers)
        out = value.copy()
        for k, v in value.items():
            if v.__class__ not in _IMMUTABLE_TYPES:
                out[k] = deep_clone(v)
        return out
    if cls is list:
        return [v if v.__class__ in _IMMUTABLE_TYPES else deep_clone(v) for v in value]
    if isinstance(value, _IMMUTABLE):
        return value
    if cls is bytearray:
        return bytearray(value)
    if cls is tuple:
        return tuple(deep_clone(v) for v in value)
    return copy.deepcopy(value)


def _deep_clone_iterative(value: Any) -> Any:
    """``deep_clone`` without recursion, for data nested deeper than Python's stack allows
    (JavaScript clones such messages without complaint, so Node-RED flows may build them)."""
    def shell(v: Any) -> Any:
        cls = v.__class__
        return {} if cls is dict else [] if cls is list else None

    root = shell(value)
    if root is None:
        return deep_clone(value)
    stack: list[tuple[Any, Any]] = [(value, root)]
    while stack:
        src, dst = stack.pop()
        items = src.items() if src.__class__ is dict else enumerate(src)
        for k, v in items:
            copy_ = shell(v)
            if copy_ is None:
                copy_ = v if v.__class__ in _IMMUTABLE else deep_clone(v)
            else:
                stack.append((v, copy_))
            if dst.__class__ is dict:
                dst[k] = copy_
            else:
                dst.append(copy_)
    return root


def clone_msg(msg: Msg) -> Msg:
    """Clone a message for a later send event: deep, except ``req``/``res`` stay shared."""
    out: Msg = msg.copy()  # a C copy; then only the mutable values are replaced by their clones
    for k, v in msg.items():
        cls = v.__class__
        if cls in _IMMUTABLE_TYPES or k in _SHARED_KEYS:
            continue
        try:
            if cls is dict:  # deep_clone inline for the dicts of scalars messages carry (msg.parts)
                c = v.copy()
                for kk, vv in v.items():
                    if vv.__class__ not in _IMMUTABLE_TYPES:
                        c[kk] = deep_clone(vv)
                out[k] = c
            else:
                out[k] = deep_clone(v)
        except RecursionError:
            out[k] = _deep_clone_iterative(v)
    return out


class PropertyPathError(ValueError):
    """A property expression cannot be parsed, or a value cannot be set along it."""


_path_cache: dict[str, tuple[str | int, ...]] = {}
_SIMPLE = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$")

Resolver = Callable[[str], Any]


def parse_path(expr: str, resolve: Resolver | None = None) -> tuple[str | int, ...]:
    """Split a property expression into keys, as Node-RED's ``normalisePropertyExpression``.

    ``a.b[0]["c.d"]`` -> ``("a", "b", 0, "c.d")``. A bracketed nested reference such as
    ``a[msg.topic]`` is resolved through ``resolve("msg.topic")`` when given, else refused.
    """
    cached = _path_cache.get(expr)
    if cached is not None:
        return cached
    if _SIMPLE.match(expr):
        keys: tuple[str | int, ...] = tuple(expr.split("."))
        if len(_path_cache) < 10000:
            _path_cache[expr] = keys
        return keys
    parts, nested = _parse_complex(expr, resolve)
    if not nested and len(_path_cache) < 10000:
        _path_cache[expr] = parts
    return parts


def _parse_complex(expr: str, resolve: Resolver | None) -> tuple[tuple[str | int, ...], bool]:
    if not expr:
        raise PropertyPathError("Invalid property expression: zero-length")
    out: list[str | int] = []
    i, n, nested = 0, len(expr), False
    start = 0
    while i < n:
        c = expr[i]
        if c == ".":
            if i == start:
                raise PropertyPathError(f"Invalid property expression: unexpected . at position {i}")
            out.append(expr[start:i])
            i += 1
            start = i
            if i == n:
                raise PropertyPathError("Invalid property expression: unterminated expression")
        elif c == "[":
            if i > start:
                out.append(expr[start:i])
            elif i == 0:
                raise PropertyPathError("Invalid property expression: unexpected [ at position 0")
            i += 1
            if i >= n:
                raise PropertyPathError("Invalid property expression: unterminated expression")
            q = expr[i]
            if q in "\"'":
                end = expr.find(q, i + 1)
                if end < 0 or end + 1 >= n or expr[end + 1] != "]":
                    raise PropertyPathError(f"Invalid property expression: unterminated string at {i}")
                out.append(expr[i + 1 : end])
                i = end + 2
            else:
                depth, j = 1, i
                while j < n and depth:
                    if expr[j] == "[":
                        depth += 1
                    elif expr[j] == "]":
                        depth -= 1
                    j += 1
                if depth:
                    raise PropertyPathError("Invalid property expression: unterminated expression")
                inner = expr[i : j - 1].strip()
                if re.fullmatch(r"-?\d+", inner):
                    out.append(int(inner))
                else:
                    if resolve is None:
                        raise PropertyPathError(
                            f"Invalid property expression: unexpected {inner!r} in brackets"
                        )
                    value = resolve(inner)
                    nested = True
                    out.append(value if isinstance(value, int) else str(value))
                i = j
            if i < n and expr[i] == ".":
                i += 1
                if i == n:
                    raise PropertyPathError("Invalid property expression: unterminated expression")
            elif i < n and expr[i] != "[":
                raise PropertyPathError(f"Invalid property expression: unexpected {expr[i]!r} at {i}")
            start = i
            continue
        else:
            i += 1
    if start < n:
        out.append(expr[start:])
    return tuple(out), nested


def _step(obj: Any, key: str | int) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, UNDEFINED) if not isinstance(key, int) else obj.get(str(key), UNDEFINED)
    if isinstance(obj, list | tuple | bytes | bytearray | str):
        try:
            idx = int(key)
        except (TypeError, ValueError):
            return len(obj) if key == "length" else UNDEFINED
        if 0 <= idx < len(obj):
            return obj[idx]
        return UNDEFINED
    return UNDEFINED


def get_property(obj: Any, path: str | tuple[str | int, ...], resolve: Resolver | None = None) -> Any:
    """Value at ``path`` inside ``obj``, or ``UNDEFINED`` when any step is missing."""
    keys = parse_path(path, resolve) if isinstance(path, str) else path
    for key in keys:
        obj = _step(obj, key)
        if obj is UNDEFINED:
            return UNDEFINED
    return obj


def set_property(
    obj: Any,
    path: str | tuple[str | int, ...],
    value: Any,
    create_missing: bool = True,
    resolve: Resolver | None = None,
) -> None:
    """Set ``path`` inside ``obj`` to ``value``, creating dicts/lists on the way (Node-RED's setObjectProperty).

    Raises ``PropertyPathError`` when a step is a non-object ("Cannot set property of non-object type").
    """
    keys = parse_path(path, resolve) if isinstance(path, str) else path
    for i, key in enumerate(keys[:-1]):
        nxt = _step(obj, key)
        if nxt is UNDEFINED or nxt is None:
            if not create_missing:
                return
            nxt = [] if isinstance(keys[i + 1], int) else {}
            _assign(obj, key, nxt)
        elif not isinstance(nxt, dict | list):
            raise PropertyPathError("Cannot set property of non-object type: " + _render(keys[: i + 1]))
        obj = nxt
    if not isinstance(obj, dict | list):
        raise PropertyPathError("Cannot set property of non-object type: " + _render(keys[:-1]))
    last = keys[-1]
    if value is UNDEFINED:
        _delete(obj, last)
    else:
        _assign(obj, last, value)


def delete_property(obj: Any, path: str | tuple[str | int, ...], resolve: Resolver | None = None) -> None:
    """Remove ``path`` from ``obj``; a missing path is not an error."""
    keys = parse_path(path, resolve) if isinstance(path, str) else path
    for key in keys[:-1]:
        obj = _step(obj, key)
        if not isinstance(obj, dict | list):
            return
    _delete(obj, keys[-1])


def _assign(obj: Any, key: str | int, value: Any) -> None:
    if isinstance(obj, list):
        idx = int(key)
        if idx < 0:
            raise PropertyPathError(f"Cannot set negative index {idx}")
        while len(obj) <= idx:
            obj.append(None)
        obj[idx] = value
    else:
        obj[key if not isinstance(key, int) or isinstance(obj, list) else str(key)] = value


def _delete(obj: Any, key: str | int) -> None:
    if isinstance(obj, dict):
        obj.pop(key if not isinstance(key, int) else str(key), None)
    elif isinstance(obj, list):
        try:
            idx = int(key)
        except (TypeError, ValueError):
            return
        if 0 <= idx < len(obj):
            obj[idx] = None  # JS `delete arr[i]` leaves a hole; null is its JSON form


def _render(keys: tuple[str | int, ...]) -> str:
    out = ""
    for k in keys:
        out += f"[{k}]" if isinstance(k, int) else ("." + k if out else k)
    return out
