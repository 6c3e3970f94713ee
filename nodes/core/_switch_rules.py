"""The switch node's rule tests, with JavaScript's comparisons (``"5" == 5``, ``null <= 2``) and
Node-RED's ``istype``, ``hask`` and sequence (head/tail/index) rules."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from flowengine.errors import NodeError
from flowengine.typed import js_compare, js_equal, js_string, parse_json, to_number
from flowengine.types import UNDEFINED

from ._jsregex import js_regex

_NUMBERS = (int, float)
_PLAIN = (int, float, str)
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge,
}


def _length_of(a: Any) -> int | None:
    if isinstance(a, str | list | bytes | bytearray | dict):
        return len(a)
    return None


def _istype(a: Any, kind: Any) -> bool:
    if kind == "array":
        return isinstance(a, list)
    if kind == "buffer":
        return isinstance(a, bytes | bytearray)
    if kind == "json":
        try:
            parse_json(js_string(a))
        except (ValueError, NodeError):
            return False
        return True
    if kind == "null":
        return a is None
    if kind == "string":
        return isinstance(a, str)
    if kind == "number":
        return isinstance(a, int | float) and not isinstance(a, bool)
    if kind == "boolean":
        return isinstance(a, bool)
    if kind == "object":
        return isinstance(a, dict)
    if kind == "undefined":
        return a is UNDEFINED
    return False


def _hask(a: Any, b: Any) -> bool:
    if a is UNDEFINED or a is None or isinstance(b, dict | list):
        return False
    key = js_string(b)
    if isinstance(a, dict):
        return key in a
    if isinstance(a, list | str | bytes | bytearray):
        return key == "length" or (key.isdigit() and int(key) < len(a))
    return False


def rule_matches(rule: dict[str, Any], a: Any, b: Any, c: Any, parts: Any) -> bool:
    t = rule["t"]
    ta, tb = a.__class__, b.__class__
    if (ta is tb and ta in _PLAIN) or (ta in _NUMBERS and tb in _NUMBERS):
        # fast path: two numbers or two strings compare the same in Python and JavaScript
        if t == "eq":
            return bool(a == b)
        if t == "neq":
            return bool(a != b)
        if t in _COMPARE:
            return bool(_COMPARE[t](a, b))
    if t == "eq":
        return js_equal(a, b)
    if t == "neq":
        return not js_equal(a, b)
    if t in ("lt", "lte", "gt", "gte"):
        return bool(js_compare(a, t, b))
    if t == "btwn":
        return (js_compare(a, "gte", b) and js_compare(a, "lte", c)) or (
            js_compare(a, "lte", b) and js_compare(a, "gte", c)
        )
    if t == "cont":
        return js_string(b) in js_string(a)
    if t == "regex":
        pattern = rule.get("_re") or js_regex(js_string(b), "i" if rule.get("case") else "")
        return pattern.search(js_string(a)) is not None
    if t == "true":
        return a is True
    if t == "false":
        return a is False
    if t == "null":
        return a is UNDEFINED or a is None
    if t == "nnull":
        return a is not UNDEFINED and a is not None
    if t == "empty":
        n = _length_of(a)
        return n == 0
    if t == "nempty":
        n = _length_of(a)
        return n is not None and n != 0
    if t == "istype":
        return _istype(a, b)
    if t in ("head", "tail", "index") and not isinstance(parts, dict):
        # Node-RED reads msg.parts.index unguarded: the message fails with this TypeError
        raise TypeError(f"Cannot read properties of undefined (reading '{'count' if t == 'tail' else 'index'}')")
    if t == "head":
        return js_compare(parts.get("index"), "lt", to_number(b))
    if t == "tail":
        return js_compare(to_number(parts.get("count")) - to_number(b), "lte", parts.get("index"))
    if t == "index":
        idx = parts.get("index")
        return bool(js_compare(to_number(b), "lte", idx) and js_compare(idx, "lte", to_number(c)))
    if t == "hask":
        return _hask(a, b)
    if t == "jsonata_exp":
        return b is True
    if t == "else":
        return a is True
    # Node-RED calls operators[rule.t](...): a type it does not know (say "between", which a
    # hand-edited flow may hold) fails the message with this TypeError, catchable
    raise TypeError("operators[rule.t] is not a function")
