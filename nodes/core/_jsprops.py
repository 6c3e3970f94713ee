"""Message property access with Node-RED's exact JavaScript semantics.

``flowengine.message`` is the general-purpose API; the change, switch and template nodes need
the finer points of ``RED.util.getMessageProperty`` / ``setMessageProperty`` that flows exported
from Node-RED depend on:

* reading through a missing (``undefined``/``null``) parent raises (the change node then skips
  the rule, as Node-RED's ``try``/``catch`` does);
* setting returns ``False`` instead of raising when a step is not an object, and when the path
  is missing while deleting (value ``UNDEFINED``) - the change node warns "Cannot set property
  of non-object type" on ``False``;
* array slots skipped when a path creates an array are holes (``UNDEFINED``), which the debug
  encoding shows as ``undefined`` (corpus case ``change_set_types``);
* deleting an array element removes it (``splice``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flowengine.message import PropertyPathError, get_property, parse_path
from flowengine.types import UNDEFINED, Msg

__all__ = [
    "Keys", "compile_path", "js_get", "js_get_or_undefined", "js_object_keys", "js_set", "read_property", "render_path",
    "resolve_path",
]

Keys = tuple[str | int, ...]
_IDENT = re.compile(r"^[A-Za-z_$][\w$]*$")


def _nested_resolver(msg: Msg) -> Callable[[str], Any]:
    def resolve(expr: str) -> Any:
        expr = expr.strip()
        if expr.startswith("msg."):
            value = get_property(msg, expr[4:])
            if value is UNDEFINED:
                raise PropertyPathError(f"Invalid property expression: {expr} is undefined")
            return value
        raise PropertyPathError(f"Invalid property expression: unexpected {expr!r}")

    return resolve


def compile_path(expr: str) -> Keys | None:
    """Keys of ``expr`` (a leading ``msg.`` stripped), or None when it holds a nested ``[msg.x]``."""
    if expr.startswith("msg."):
        expr = expr[4:]
    try:
        return parse_path(expr)
    except PropertyPathError:
        if "[msg." in expr:
            return None
        raise


def resolve_path(expr: str, msg: Msg) -> Keys:
    """Keys of ``expr`` with nested ``[msg.x]`` references resolved against ``msg``."""
    if expr.startswith("msg."):
        expr = expr[4:]
    return parse_path(expr, _nested_resolver(msg))


def render_path(keys: Keys) -> str:
    """A property expression for ``keys`` (used for context keys after resolving nested refs)."""
    out = ""
    for k in keys:
        if isinstance(k, int):
            out += f"[{k}]"
        elif _IDENT.match(k):
            out += ("." if out else "") + k
        else:
            out += "[" + _js_quote(k) + "]"
    return out


def _js_quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _child(obj: Any, key: str | int) -> Any:
    if isinstance(obj, dict):
        return obj.get(key if isinstance(key, str) else str(key), UNDEFINED)
    if isinstance(obj, list | str | bytes | bytearray | tuple):
        if key == "length":
            return len(obj)
        try:
            idx = int(key)
        except (TypeError, ValueError):
            return UNDEFINED
        if 0 <= idx < len(obj):
            return obj[idx]
        return UNDEFINED
    return UNDEFINED


def js_get(obj: Any, keys: Keys) -> Any:
    """``getMessageProperty``: the value or ``UNDEFINED``; raises when a parent is undefined/null."""
    for key in keys:
        if obj is UNDEFINED or obj is None:
            what = "undefined" if obj is UNDEFINED else "null"
            raise PropertyPathError(f"Cannot read properties of {what} (reading '{key}')")
        obj = _child(obj, key)
    return obj


def js_get_or_undefined(obj: Any, keys: Keys) -> Any:
    """``js_get``, with ``UNDEFINED`` where a parent is missing (parser nodes then pass the msg on)."""
    try:
        return js_get(obj, keys)
    except ValueError:
        return UNDEFINED


def read_property(msg: Msg, expr: str) -> Any:
    """The value of the property expression ``expr`` in ``msg``, or ``UNDEFINED`` when the
    expression does not resolve or a parent is missing."""
    try:
        return js_get(msg, compile_path(expr) or resolve_path(expr, msg))
    except ValueError:
        return UNDEFINED


def js_set(obj: Any, keys: Keys, value: Any, create_missing: bool | None = None) -> bool:
    """``setMessageProperty``: set (or delete with ``UNDEFINED``); False when not possible."""
    if create_missing is None:
        create_missing = value is not UNDEFINED
    last = len(keys) - 1
    for i in range(last):
        key = keys[i]
        if isinstance(obj, list):
            if not isinstance(key, int):
                return False
            nxt = obj[key] if 0 <= key < len(obj) else UNDEFINED
            if nxt is UNDEFINED:
                if not create_missing or key < 0:
                    return False
                nxt = {} if isinstance(keys[i + 1], str) else []
                _list_assign(obj, key, nxt)
            obj = nxt
        elif isinstance(obj, dict):
            skey = key if isinstance(key, str) else str(key)
            if skey in obj:
                nxt = obj[skey]
                if not isinstance(nxt, dict | list):
                    return False
                obj = nxt
            elif create_missing:
                nxt = {} if isinstance(keys[i + 1], str) else []
                obj[skey] = nxt
                obj = nxt
            else:
                return False
        else:
            return False
    key = keys[last]
    if value is UNDEFINED:
        if isinstance(obj, list):
            if isinstance(key, int) and 0 <= key < len(obj):
                del obj[key]
        elif isinstance(obj, dict):
            obj.pop(key if isinstance(key, str) else str(key), None)
        return True
    if isinstance(obj, list):
        if not isinstance(key, int) or key < 0:
            return False
        _list_assign(obj, key, value)
        return True
    if isinstance(obj, dict):
        obj[key if isinstance(key, str) else str(key)] = value
        return True
    return False


def _list_assign(lst: list[Any], idx: int, value: Any) -> None:
    if idx < len(lst):
        lst[idx] = value
    else:
        lst.extend([UNDEFINED] * (idx - len(lst)))
        lst.append(value)


def _array_index(key: str) -> int | None:
    if key.isdigit() and key.isascii() and (key == "0" or key[0] != "0") and int(key) < 2**32 - 1:
        return int(key)
    return None


def js_object_keys(obj: dict[str, Any]) -> list[str]:
    """``Object.keys(obj)`` order: array-index keys (``"0"``, ``"12"``) first, ascending, then the
    others in insertion order."""
    indexed = sorted((i, k) for k in obj if (i := _array_index(k)) is not None)
    if not indexed:
        return list(obj)
    return [k for _, k in indexed] + [k for k in obj if _array_index(k) is None]
