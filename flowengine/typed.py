"""Typed inputs: a node property given as ``(value, type)`` pairs, as Node-RED's typedInput widget
stores them (``payload``/``payloadType``, ``to``/``tot``, ``v``/``vt``...).

``evaluate_typed(value, vtype, node=..., msg=...)`` is what ``Node.evaluate`` calls. Types: ``str``,
``num`` (JS ``Number``), ``bool`` (``/^true$/i``), ``json``, ``bin``, ``re``, ``date``, ``msg``,
``flow``, ``global`` (``#:(store)::`` prefix and nested ``[msg.x]`` references), ``env`` (with
``${VAR}`` substitution), ``jsonata``, ``node``, ``cred``, ``null`` and ``undefined``. Unknown types
return the value unchanged (Node-RED does the same; nodes handle their own extra types).
Missing message or context values are ``UNDEFINED``.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import time
from typing import TYPE_CHECKING, Any

from .context import parse_context_key
from .errors import NodeError
from .jsonata_ext import JsonataError, compile_jsonata
from .jsutil import js_compare, js_equal, js_string, js_truthy, to_number
from .message import PropertyPathError, get_property, parse_path
from .types import UNDEFINED, Msg

if TYPE_CHECKING:
    from .jsonata_expr import JsonataExpression

__all__ = [
    "JsonataError",
    "JsonataExpression",
    "TypedInputError",
    "compile_jsonata",
    "compile_regex",
    "evaluate_env",
    "evaluate_typed",
    "js_compare",
    "js_equal",
    "js_string",
    "js_truthy",
    "parse_context_key",
    "parse_json",
    "render_path",
    "resolve_msg_path",
    "to_number",
]


class TypedInputError(NodeError):
    """A typed input cannot be evaluated (bad JSON, bad regex, bad path). The text names the value."""


def evaluate_typed(value: Any, vtype: str, *, node: Any, msg: Msg | None) -> Any:
    """Evaluate one typed input for ``node`` and ``msg`` (``msg`` may be ``None`` outside a message)."""
    if vtype == "str":
        return value if isinstance(value, str) else js_string(value)
    if vtype == "num":
        return to_number(value)
    if vtype == "bool":
        return js_string(value).lower() == "true" if not isinstance(value, bool) else value
    if vtype == "json":
        return parse_json(value) if isinstance(value, str) else value
    if vtype == "bin":
        return _binary(value)
    if vtype == "re":
        return compile_regex(value)
    if vtype == "date":
        return _date(value)
    if vtype == "msg":
        return UNDEFINED if msg is None else get_property(msg, resolve_msg_path(str(value), msg))
    if vtype in ("flow", "global"):
        return _context(node, vtype, str(value), msg)
    if vtype == "env":
        return evaluate_env(str(value), node)
    if vtype == "jsonata":
        return compile_jsonata(str(value)).evaluate(node, msg)
    if vtype == "cred":
        creds = getattr(node, "credentials", None) or {}
        return creds.get(value, UNDEFINED)
    if vtype == "node":
        return value
    if vtype in ("null", "nul"):
        return None
    if vtype == "undefined":
        return UNDEFINED
    return value


def parse_json(text: str) -> Any:
    """``JSON.parse``: strict JSON (no NaN/Infinity). The error quotes the offending text."""
    try:
        return json.loads(text, parse_constant=_no_constant)
    except ValueError as exc:
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise TypedInputError(f"Invalid JSON {shown!r}: {exc}") from exc


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _binary(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    data = parse_json(value) if isinstance(value, str) else value
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, list):
        out = bytearray()
        for item in data:
            n = to_number(item)
            out.append(int(n) & 0xFF if n == n and abs(n) != float("inf") else 0)
        return bytes(out)
    if isinstance(data, dict) and data.get("type") == "Buffer" and isinstance(data.get("data"), list):
        return _binary(data["data"])
    raise TypedInputError(f"Invalid buffer value {js_string(value)!r}: expected a JSON array of bytes or a string")


_NAMED_GROUP = re.compile(r"\(\?<(?![=!])")


def compile_regex(source: Any, flags: int = 0) -> re.Pattern[str]:
    """``new RegExp(source)``; JS named groups ``(?<n>...)`` are accepted. Errors name the pattern."""
    if isinstance(source, re.Pattern):
        return source
    text = js_string(source)
    try:
        return re.compile(_NAMED_GROUP.sub("(?P<", text), flags)
    except re.error as exc:
        raise TypedInputError(f"Invalid regular expression /{text}/: {exc}") from exc


def resolve_msg_path(expr: str, msg: Msg) -> tuple[str | int, ...]:
    """Keys of a ``msg`` property expression (``msg.`` prefix optional), resolving nested ``[msg.x]``."""
    if expr.startswith("msg."):
        expr = expr[4:]
    try:
        return parse_path(expr, lambda inner: _nested(inner, msg))
    except PropertyPathError as exc:
        raise TypedInputError(f"Invalid property expression {expr!r}: {exc}") from exc


def _nested(inner: str, msg: Msg) -> Any:
    if not inner.startswith("msg."):
        raise PropertyPathError(f"nested reference {inner!r} must start with msg.")
    value = get_property(msg, resolve_msg_path(inner[4:], msg))
    if value is UNDEFINED or value is None:
        raise PropertyPathError(f"nested reference {inner!r} is undefined")
    if isinstance(value, bool) or not isinstance(value, int | str):
        return js_string(value)
    return value


def render_path(keys: tuple[str | int, ...]) -> str:
    """Keys back to a property expression: ``("a", 0, "b c")`` -> ``a[0]["b c"]``."""
    out = ""
    for k in keys:
        if isinstance(k, int):
            out += f"[{k}]"
        elif re.fullmatch(r"[A-Za-z_$][\w$]*", k):
            out += ("." if out else "") + k
        else:
            out += "[" + json.dumps(k, ensure_ascii=False) + "]"
    return out


def _context(node: Any, kind: str, value: str, msg: Msg | None) -> Any:
    if node is None:
        return UNDEFINED
    store, key = parse_context_key(value)
    if "[" in key and msg is not None:
        try:
            key = render_path(parse_path(key, lambda inner: _nested(inner, msg)))
        except PropertyPathError as exc:
            raise TypedInputError(f"Invalid {kind} context key {value!r}: {exc}") from exc
    scope = node.flow_context() if kind == "flow" else node.global_context()
    return scope.get(key, store)


_WHOLE_VAR = re.compile(r"^\$\{([^}]+)\}$")
_HAS_VAR = re.compile(r"\$\{\S+\}")
_ANY_VAR = re.compile(r"\$\{([^}]+)\}")


def evaluate_env(value: str, node: Any) -> Any:
    """The ``env`` type: ``NAME``, ``${NAME}``, or text with ``${NAME}`` parts substituted; undefined -> ``""``."""

    def lookup(name: str) -> Any:
        found = node.env(name) if node is not None else UNDEFINED
        return "" if found is UNDEFINED or found is None else found

    whole = _WHOLE_VAR.match(value)
    if whole:
        return lookup(whole.group(1))
    if not _HAS_VAR.search(value):
        return lookup(value)
    return _ANY_VAR.sub(lambda m: js_string(lookup(m.group(1))), value)


# --- dates ---
_MOMENT_TOKENS = re.compile(r"\[[^\]]*\]|YYYY|YY|MMMM|MMM|MM|M|DDDD|DD|D|dddd|ddd|HH|H|hh|h|mm|m|ss|s|SSS|A|a|ZZ|Z|X|x")
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _date(fmt: Any) -> Any:
    now = _dt.datetime.now(_dt.UTC)
    if fmt in ("", None, UNDEFINED):
        return time.time_ns() // 1_000_000
    if fmt == "iso":
        return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    if fmt == "object":
        return now
    return format_moment(now.astimezone(), str(fmt))


def format_moment(when: _dt.datetime, fmt: str) -> str:
    """Format ``when`` with a moment.js pattern (common tokens; ``[text]`` is literal)."""

    def token(m: re.Match[str]) -> str:
        t = m.group(0)
        if t.startswith("["):
            return t[1:-1]
        h12 = when.hour % 12 or 12
        offset = when.utcoffset() or _dt.timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        hh, mm = divmod(abs(minutes), 60)
        table = {
            "YYYY": f"{when.year:04d}", "YY": f"{when.year % 100:02d}",
            "MMMM": _MONTHS[when.month - 1], "MMM": _MONTHS[when.month - 1][:3],
            "MM": f"{when.month:02d}", "M": str(when.month),
            "DDDD": f"{when.timetuple().tm_yday:03d}", "DD": f"{when.day:02d}", "D": str(when.day),
            "dddd": _DAYS[when.weekday()], "ddd": _DAYS[when.weekday()][:3],
            "HH": f"{when.hour:02d}", "H": str(when.hour), "hh": f"{h12:02d}", "h": str(h12),
            "mm": f"{when.minute:02d}", "m": str(when.minute), "ss": f"{when.second:02d}",
            "s": str(when.second), "SSS": f"{when.microsecond // 1000:03d}",
            "A": "AM" if when.hour < 12 else "PM", "a": "am" if when.hour < 12 else "pm",
            "ZZ": f"{sign}{hh:02d}{mm:02d}", "Z": f"{sign}{hh:02d}:{mm:02d}",
            "X": str(int(when.timestamp())), "x": str(int(when.timestamp() * 1000)),
        }
        return table[t]

    return _MOMENT_TOKENS.sub(token, fmt)


def __getattr__(name: str) -> Any:
    # JsonataExpression is reached through here (public); importing it loads the JSONata library,
    # which the process start does not pay for (see jsonata_ext).
    if name == "JsonataExpression":
        from .jsonata_expr import JsonataExpression

        return JsonataExpression
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
