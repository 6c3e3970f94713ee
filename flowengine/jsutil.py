"""JavaScript value semantics that Node-RED flows depend on, for Python values.

Node-RED's nodes run on JavaScript coercion rules: ``Number("")`` is 0, ``null <= 2`` is true,
``"5" == 5``, ``String([1, 2])`` is ``"1,2"``, an empty object is truthy. Flows written for Node-RED
rely on these, so the core nodes use the helpers here instead of Python's own rules.

Mapping: ``None`` is JS ``null``, ``UNDEFINED`` is ``undefined``, ``dict`` is an object, ``list`` an
array, ``bytes``/``bytearray`` a Buffer, ``float('nan')`` is ``NaN``.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .types import UNDEFINED

__all__ = [
    "js_compare",
    "js_equal",
    "js_number_repr",
    "js_string",
    "js_truthy",
    "js_typeof",
    "normalise_number",
    "to_number",
    "utf16_len",
]

_NAN = float("nan")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_PREFIXED = {"0x": 16, "0o": 8, "0b": 2}
# JS's StrWhiteSpaceChar set: ASCII whitespace, NBSP, BOM, line/paragraph separators, Unicode spaces.
_JS_SPACE = (
    " \t\n\v\f\r\u00a0\ufeff\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_MAX_SAFE = 2**53


def normalise_number(value: float) -> int | float:
    """An integral float within the safe integer range becomes an ``int`` (JS has one number type)."""
    if value.is_integer() and -_MAX_SAFE <= value <= _MAX_SAFE:
        return int(value)
    return value


def to_number(value: Any) -> int | float:
    """JavaScript ``Number(value)``.

    ``""`` -> 0, ``" 12 "`` -> 12, ``"1e3"`` -> 1000, ``"0x1A"`` -> 26, ``"abc"`` -> NaN, ``True`` -> 1,
    ``None`` -> 0, ``UNDEFINED`` -> NaN, ``[]`` -> 0, ``[7]`` -> 7, ``[1, 2]`` -> NaN, ``b"12"`` -> 12,
    objects -> NaN. Integral results are ints.
    """
    if value is None or value is False:
        return 0
    if value is True:
        return 1
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return normalise_number(value) if math.isfinite(value) else value
    if isinstance(value, str):
        return _string_to_number(value)
    if isinstance(value, list | tuple | bytes | bytearray):
        return _string_to_number(js_string(value))  # ToPrimitive: arrays join, Buffers decode
    return _NAN


def _string_to_number(text: str) -> int | float:
    s = text.strip(_JS_SPACE)
    if not s:
        return 0
    if _DECIMAL.fullmatch(s):
        return normalise_number(float(s))
    base = _PREFIXED.get(s[:2].lower())
    if base is not None:
        try:
            return normalise_number(float(int(s[2:], base))) if len(s) > 2 and "_" not in s else _NAN
        except ValueError:
            return _NAN
    if s in ("Infinity", "+Infinity"):
        return math.inf
    if s == "-Infinity":
        return -math.inf
    return _NAN


def js_number_repr(value: int | float) -> str:
    """``Number.prototype.toString()``: ``1.0`` -> ``"1"``, ``1e21`` -> ``"1e+21"``, ``1e-7`` -> ``"1e-7"``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    sign = "-" if value < 0 else ""
    mantissa, _, exp = repr(abs(value)).partition("e")
    point = mantissa.find(".")
    digits = mantissa.replace(".", "")
    n = (point if point >= 0 else len(mantissa)) + (int(exp) if exp else 0)
    stripped = digits.lstrip("0")
    n -= len(digits) - len(stripped)
    digits = stripped.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        out = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + out


def js_string(value: Any) -> str:
    """JavaScript ``String(value)``: ``None`` -> ``"null"``, ``3.0`` -> ``"3"``, ``[1, [2, 3]]`` -> ``"1,2,3"``,
    dicts -> ``"[object Object]"``, bytes decode as UTF-8 (``Buffer.toString()``)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, bool | int | float):
        return js_number_repr(value)
    if isinstance(value, list | tuple):
        return ",".join("" if v is None or v is UNDEFINED else js_string(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, BaseException):
        name = js_error_name(value)
        text = str(value)
        return f"{name}: {text}" if text else name
    if isinstance(value, re.Pattern):
        return "/" + str(value.pattern) + "/"
    if isinstance(value, set | frozenset):
        return "[object Set]"
    if callable(value):
        return "function () { [native code] }"
    return str(value)


def js_error_name(exc: BaseException) -> str:
    """The JS ``error.name`` for a Python exception: plain errors are ``Error``, type errors ``TypeError``."""
    explicit: object = getattr(exc, "js_name", None)
    if isinstance(explicit, str):
        return explicit
    if isinstance(exc, TypeError | AttributeError):
        return "TypeError"
    if isinstance(exc, RecursionError | OverflowError):
        return "RangeError"
    if isinstance(exc, SyntaxError):
        return "SyntaxError"
    return "Error"


def js_typeof(value: Any) -> str:
    """JavaScript ``typeof``: ``"undefined"``, ``"object"`` (null, dicts, lists, bytes), ``"number"``..."""
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if callable(value) and not isinstance(value, type):
        return "function"
    return "object"


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness: ``[]`` and ``{}`` are true; ``0``, ``NaN``, ``""``, null, undefined are false."""
    if value is None or value is UNDEFINED or value is False:
        return False
    if isinstance(value, int | float):
        return value == value and value != 0
    if isinstance(value, str):
        return value != ""
    return True


def _is_nullish(value: Any) -> bool:
    return value is None or value is UNDEFINED


def _is_primitive(value: Any) -> bool:
    return value is None or value is UNDEFINED or isinstance(value, str | int | float)


def _to_primitive(value: Any) -> Any:
    return value if _is_primitive(value) else js_string(value)


def js_equal(a: Any, b: Any) -> bool:
    """JavaScript loose equality ``a == b`` (``"5" == 5``, ``null == undefined``, ``"1" == true``)."""
    if _is_nullish(a) or _is_nullish(b):
        return _is_nullish(a) and _is_nullish(b)
    if not _is_primitive(a) and not _is_primitive(b):
        return a is b
    if isinstance(a, bool):
        a = int(a)
    if isinstance(b, bool):
        b = int(b)
    a = _to_primitive(a)
    b = _to_primitive(b)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    x = to_number(a)
    y = to_number(b)
    return x == y


_OPS = {"<": "lt", "lt": "lt", "<=": "lte", "lte": "lte", ">": "gt", "gt": "gt", ">=": "gte", "gte": "gte"}


def js_compare(a: Any, op: str, b: Any) -> bool:
    """JavaScript relational comparison ``a <op> b`` for op in ``< <= > >=`` (or ``lt lte gt gte``).

    Two strings compare as strings; anything else compares as numbers (``null`` -> 0, so
    ``null <= 2`` is true; ``undefined`` -> NaN, so every comparison with it is false).
    """
    kind = _OPS.get(op)
    if kind is None:
        raise ValueError(f"unknown comparison operator {op!r}")
    pa = _to_primitive(a)
    pb = _to_primitive(b)
    x: Any
    y: Any
    if isinstance(pa, str) and isinstance(pb, str):
        if _astral(pa) or _astral(pb):
            x, y = pa.encode("utf-16-be"), pb.encode("utf-16-be")
        else:
            x, y = pa, pb
    else:
        x, y = to_number(pa), to_number(pb)
        if x != x or y != y:
            return False
    if kind == "lt":
        return bool(x < y)
    if kind == "lte":
        return bool(x <= y)
    if kind == "gt":
        return bool(x > y)
    return bool(x >= y)


def _astral(s: str) -> bool:
    # JS compares strings by UTF-16 code units; only astral characters order differently from Python.
    return not s.isascii() and any(ord(c) > 0xFFFF for c in s)


def utf16_len(s: str) -> int:
    """``s.length`` in JavaScript (UTF-16 code units)."""
    if s.isascii():
        return len(s)
    return len(s) + sum(1 for c in s if ord(c) > 0xFFFF)
