"""Node-RED's debug encoding (``RED.util.encodeObject``): how a value is shown in the debug sidebar.

``encode_object(value)`` returns ``{"msg": <string>, "format": <string>}``. Objects and arrays become a
JSON string (``format`` ``"Object"`` / ``"array[n]"``) in which values JSON cannot carry are replaced by
``{"__enc__": true, "type": ...}`` markers that the editor renders; strings, numbers, booleans and
buffers are shown as text with ``string[n]``, ``number``, ``boolean``, ``buffer[n]``.

``to_json_text`` is the JSON writer behind it: compact, key order kept, non-ASCII kept, numbers
formatted as JavaScript does (``1.0`` -> ``1``), so output matches ``JSON.stringify`` byte for byte.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import traceback
from collections.abc import Callable
from typing import Any

from .jsutil import js_error_name, js_number_repr, utf16_len
from .jsvalues import JsBigInt, JsFunction, JsMap, JsRegExp, JsSet
from .types import UNDEFINED

__all__ = ["BUDGET_PER_LENGTH", "debug_format", "encode_error", "encode_object", "prune", "to_json_text"]

Replacer = Callable[[Any, Any], Any]


def encode_object(value: Any, max_length: int = 1000) -> dict[str, str]:
    """Encode ``value`` for the debug sidebar / admin context API as Node-RED does."""
    if isinstance(value, BaseException):
        return {"msg": to_json_text({"name": js_error_name(value), "message": str(value)}), "format": "error"}
    if isinstance(value, bytes | bytearray):
        return {"msg": bytes(value).hex()[:max_length], "format": f"buffer[{len(value)}]"}
    if value is None:
        return {"msg": "(undefined)", "format": "null"}
    if value is UNDEFINED:
        return {"msg": "(undefined)", "format": "undefined"}
    if isinstance(value, bool):
        return {"msg": "true" if value else "false", "format": "boolean"}
    if isinstance(value, int | float):
        return {"msg": js_number_repr(value), "format": "number"}
    if isinstance(value, str):
        return {"msg": _truncate(value, max_length), "format": f"string[{utf16_len(value)}]"}
    if isinstance(value, list | tuple):
        return {"msg": _encode_json(prune(value, max_length), max_length), "format": f"array[{len(value)}]"}
    if isinstance(value, dict):
        return {"msg": _encode_json(prune(value, max_length), max_length), "format": "Object"}
    if isinstance(value, set | frozenset):
        return {"msg": _encode_json(value, max_length), "format": "Set"}
    if isinstance(value, _dt.datetime):
        return {"msg": _iso(value), "format": "Date"}
    if isinstance(value, re.Pattern):
        return {"msg": _regex_text(value), "format": "RegExp"}
    if isinstance(value, JsRegExp):
        return {"msg": str(value), "format": "RegExp"}
    if isinstance(value, JsMap | JsSet):
        return {"msg": _encode_json(value, max_length), "format": "Object"}
    if isinstance(value, JsBigInt):
        return {"msg": str(value), "format": "bigint"}
    if isinstance(value, JsFunction) or callable(value):
        return {"msg": "[function]", "format": "function"}
    return {"msg": _truncate(str(value), max_length), "format": type(value).__name__}


BUDGET_PER_LENGTH = 100
"""An encoded object holds about ``BUDGET_PER_LENGTH * max_length`` characters at most."""
_MAX_DEPTH = 100


def prune(value: Any, max_length: int) -> Any:
    """``value`` cut down before it is encoded, so that the encoding stays small whatever its size.

    Node-RED truncates strings, arrays and buffers longer than ``debugMaxLength``; an object with
    100,000 keys, or 1,000 arrays of 1,000 strings, still encodes to megabytes (issue 18: a debug
    node showing 5 MB objects grew a server by gigabytes). Here objects keep their first
    ``max_length`` properties (a ``"..."`` property says how many more there were), and once about
    ``BUDGET_PER_LENGTH * max_length`` characters have been taken, every further string, object and
    array is shown as ``"..."``. Values already small come back unchanged (not copied).
    """
    budget = [max(1, max_length) * BUDGET_PER_LENGTH]
    return _prune(value, max(1, max_length), budget, set(), 0)


def _prune(value: Any, max_length: int, budget: list[int], path: set[int], depth: int) -> Any:
    if isinstance(value, str):
        budget[0] -= min(len(value), max_length) + 2
        if budget[0] < 0:
            return "..."
        return value if len(value) <= max_length else value[:max_length] + "..."
    if isinstance(value, bytes | bytearray):
        budget[0] -= min(len(value), max_length) * 4
        return value if budget[0] >= 0 else "..."
    if not isinstance(value, dict | list | tuple):
        budget[0] -= 8
        return value
    if budget[0] <= 0 or depth > _MAX_DEPTH:
        return "..."
    ident = id(value)
    if ident in path:
        return value  # the encoder writes "[Circular ~]"
    path.add(ident)
    try:
        if isinstance(value, dict):
            out: dict[Any, Any] = {}
            for i, (k, v) in enumerate(value.items()):
                if i >= max_length or budget[0] <= 0:
                    out["..."] = f"{len(value) - i} more properties not shown (debugMaxLength)"
                    break
                budget[0] -= len(str(k)) + 4
                out[k] = _prune(v, max_length, budget, path, depth + 1)
            return out if len(out) != len(value) or any(out[k] is not value[k] for k in out) else value
        items = [_prune(v, max_length, budget, path, depth + 1) for v in value[:max_length]]
        if len(value) > max_length:
            return {"__enc__": True, "type": "array", "data": items, "length": len(value)}
        return items if any(a is not b for a, b in zip(items, value, strict=False)) else value
    finally:
        path.discard(ident)


def debug_format(value: Any) -> str:
    """Just the ``format`` label of ``encode_object`` (``"Object"``, ``"string[5]"``, ``"number"``...)."""
    if isinstance(value, list | tuple):
        return f"array[{len(value)}]"
    if isinstance(value, dict):
        return "Object"
    return encode_object(value, max_length=0)["format"]


def encode_error(exc: BaseException) -> dict[str, Any]:
    """The ``__enc__`` marker of an error inside an encoded object (name, message, stack)."""
    name = js_error_name(exc)
    message = str(exc)
    explicit: object = getattr(exc, "stack", None)
    if isinstance(explicit, str):
        stack = explicit
    elif exc.__traceback__ is not None:
        stack = "".join(traceback.format_exception(exc)).rstrip()
    else:
        stack = f"{name}: {message}" if message else name
    data: dict[str, Any] = {"name": name, "message": message}
    props: object = getattr(exc, "props", None)
    if isinstance(props, dict):  # a JavaScript Error's own properties (code...), as Node-RED shows them
        data.update((k, v) for k, v in props.items() if k not in data and k != "stack")
    code: object = getattr(exc, "code", None)
    if "code" not in data and isinstance(code, str | int) and not isinstance(code, bool):
        data["code"] = code  # Node.js errors carry one (ENOENT...); Node-RED shows it
    data["stack"] = stack
    return {"__enc__": True, "type": "error", "data": data}


def _truncate(text: str, max_length: int) -> str:
    return text[:max_length] + "..." if len(text) > max_length else text


def _iso(value: _dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(_dt.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _regex_text(pattern: re.Pattern[Any]) -> str:
    flags = ("i" if pattern.flags & re.IGNORECASE else "") + ("m" if pattern.flags & re.MULTILINE else "")
    return f"/{pattern.pattern}/{flags}"


def _encode_json(value: Any, max_length: int) -> str:
    def replacer(key: Any, v: Any) -> Any:
        return _debug_replacer(key, v, max_length)

    return to_json_text(value, replacer)


def _debug_replacer(key: Any, value: Any, max_length: int) -> Any:
    """What the debug encoder substitutes for one value before it is written as JSON."""
    if key in ("_req", "_res"):
        return {"__enc__": True, "type": "internal"}
    if value is UNDEFINED:
        return {"__enc__": True, "type": "undefined"}
    if isinstance(value, str):
        return _truncate(value, max_length)
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return {"__enc__": True, "type": "number", "data": js_number_repr(value)}
    if isinstance(value, list | tuple):
        if len(value) > max_length:
            return {"__enc__": True, "type": "array", "data": list(value[:max_length]), "length": len(value)}
        return value
    if isinstance(value, bytes | bytearray):
        data = list(value[:max_length])
        return {"type": "Buffer", "data": data, "__enc__": True, "length": len(value)}
    if isinstance(value, BaseException):
        return encode_error(value)
    if isinstance(value, set | frozenset):
        items = list(value)
        return {"__enc__": True, "type": "set", "data": items[:max_length], "length": len(items)}
    if isinstance(value, re.Pattern):
        return {"__enc__": True, "type": "regexp", "data": _regex_text(value)}
    if isinstance(value, _dt.datetime):
        return _iso(value)
    if value is None or isinstance(value, dict):
        return value
    if isinstance(value, JsRegExp):
        return {"__enc__": True, "type": "regexp", "data": str(value)}
    if isinstance(value, JsMap):
        return {"__enc__": True, "type": "map", "data": value.as_object(), "length": len(value.entries)}
    if isinstance(value, JsSet):
        return {"__enc__": True, "type": "set", "data": list(value.values[:max_length]), "length": len(value.values)}
    if isinstance(value, JsBigInt):
        return {"__enc__": True, "type": "bigint", "data": str(value)}
    if isinstance(value, JsFunction) or callable(value):
        return {"__enc__": True, "type": "function"}
    return "[internal]"


def to_json_text(value: Any, replacer: Replacer | None = None) -> str:
    """``JSON.stringify(value, replacer)``: compact, JS number formatting, circular refs -> ``"[Circular ~]"``.

    Without a replacer, values JSON cannot hold follow ``JSON.stringify``: undefined/functions are
    left out of objects (``null`` in arrays), NaN/Infinity become ``null``, bytes become Node's
    ``{"type":"Buffer","data":[...]}``.
    """
    out: list[str] = []
    _write(value, "", replacer or _plain_replacer, out, set())
    return "".join(out)


_SKIP = object()


def _plain_replacer(key: Any, value: Any) -> Any:
    cls = value.__class__
    if cls is str or cls is dict or cls is int or cls is list or cls is bool or value is None:
        return value  # what a message holds most: JSON's own types (subclasses take the checks below)
    if value is UNDEFINED or isinstance(value, JsFunction) or (
            callable(value) and not isinstance(value, dict | list | type)):
        return _SKIP
    if isinstance(value, JsRegExp | JsMap | JsSet):
        return {}
    if isinstance(value, JsBigInt):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bytes | bytearray):
        return {"type": "Buffer", "data": list(value)}
    if isinstance(value, set | frozenset):
        return {}
    if isinstance(value, _dt.datetime):
        return _iso(value)
    if isinstance(value, BaseException):
        props: object = getattr(value, "props", None)  # JSON.stringify keeps an Error's own properties
        return dict(props) if isinstance(props, dict) else {}
    if isinstance(value, re.Pattern):
        return {}
    return value


def _write(value: Any, key: Any, replacer: Replacer, out: list[str], seen: set[int]) -> bool:
    value = replacer(key, value)
    if value is _SKIP:
        return False
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_quote(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(js_number_repr(value) if math.isfinite(value) else "null")
    elif isinstance(value, dict | list | tuple):
        ident = id(value)
        if ident in seen:
            out.append('"[Circular ~]"')
            return True
        seen.add(ident)
        if isinstance(value, dict):
            out.append("{")
            first = True
            for k, v in value.items():
                mark = len(out)
                out.append(("" if first else ",") + _quote(str(k)) + ":")
                if _write(v, k, replacer, out, seen):
                    first = False
                else:
                    del out[mark:]
            out.append("}")
        else:
            out.append("[")
            for i, v in enumerate(value):
                if i:
                    out.append(",")
                if not _write(v, str(i), replacer, out, seen):
                    out.append("null")
            out.append("]")
        seen.discard(ident)
    else:
        out.append(_quote(str(value)))
    return True


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\ud800-\udfff]')


def _quote(text: str) -> str:
    if not _NEEDS_ESCAPE.search(text):
        return '"' + text + '"'
    return '"' + _NEEDS_ESCAPE.sub(_escape_char, text) + '"'


def _escape_char(match: re.Match[str]) -> str:
    c = match.group(0)
    return _ESCAPES.get(c) or f"\\u{ord(c):04x}"
