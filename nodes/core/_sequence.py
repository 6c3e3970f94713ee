"""Helpers shared by the sequence and timing nodes (split, join, sort, batch, delay, trigger)."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Callable
from typing import Any

from flowengine.jsutil import js_compare, to_number
from flowengine.node import Node
from flowengine.types import Msg

__all__ = [
    "Interval",
    "buffer_limit",
    "has_content",
    "js_sort_key_compare",
    "number_prop",
    "parse_float",
    "unescape_joiner",
]

_ESCAPES = (("\\n", "\n"), ("\\r", "\r"), ("\\t", "\t"), ("\\e", "e"), ("\\f", "\f"), ("\\0", "\0"))


def unescape_joiner(text: str) -> str:
    """Turn the editor's escaped separators (``\\n``, ``\\t``...) into the characters.

    ``\\e`` becomes a plain ``e``, as in Node-RED (JavaScript's ``"\\e"`` is just ``"e"``).
    """
    for esc, char in _ESCAPES:
        text = text.replace(esc, char)
    return text


def buffer_limit(node: Node) -> int:
    """``settings.nodeMessageBufferMaxLength``: how many messages a node may hold (0 = unlimited)."""
    value = getattr(node.host.settings, "nodeMessageBufferMaxLength", 0) or 0
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def number_prop(value: Any, default: float = 0.0) -> float:
    """A numeric node property as JavaScript's ``Number(v)``; NaN/absent give ``default``."""
    if value is None or value == "":
        return default
    n = float(to_number(value))
    return default if math.isnan(n) else n


_FLOAT_PREFIX = re.compile(r"^[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")


def parse_float(value: Any) -> float | None:
    """JavaScript ``parseFloat``: the leading number of the value's text, or None for NaN."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return None if value != value else float(value)
    m = _FLOAT_PREFIX.match(str(value).lstrip())
    if not m:
        return None
    text = m.group(0)
    return float(text.replace("Infinity", "inf"))


def has_content(msg: Msg, ignore: tuple[str, ...] = ()) -> bool:
    """True when ``msg`` holds a key other than ``_msgid`` (and ``ignore``): Node-RED's
    ``Object.keys(msg).length > 1`` test for "a real message, not just a control flag"."""
    return any(k != "_msgid" and k not in ignore for k in msg)


_NUMS = (int, float)


def _strict_equal(a: Any, b: Any) -> bool:
    """JavaScript ``a === b``."""
    if type(a) in _NUMS and type(b) in _NUMS:
        return bool(a == b)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return a is b or (isinstance(a, bool) and a == b and type(a) is type(b))


def _gt(a: Any, b: Any) -> bool:
    if type(a) in _NUMS and type(b) in _NUMS:
        return bool(a > b)
    return js_compare(a, ">", b)


def js_sort_key_compare(direction: int) -> Callable[[Any, Any], int]:
    """A ``cmp`` function ordering keys as JavaScript's ``===`` / ``>`` do (the sort node's rule)."""

    def compare(x: Any, y: Any) -> int:
        if _strict_equal(x, y):
            return 0
        return direction if _gt(x, y) else -direction

    return compare


class Interval:
    """A repeating timer owned by a node (JavaScript's ``setInterval``), drift-free."""

    def __init__(self, node: Node, period: float, fn: Callable[[], Any]):
        self._node = node
        self._fn = fn
        self.period = max(period, 0.001)
        self._loop = asyncio.get_running_loop()
        self._next = self._loop.time() + self.period
        self._handle: asyncio.TimerHandle | None = self._loop.call_at(self._next, self._tick)

    @property
    def active(self) -> bool:
        return self._handle is not None

    def _tick(self) -> None:
        if self._handle is None:
            return
        now = self._loop.time()
        self._next += self.period
        if self._next < now:  # the loop was busy: do not fire a burst to catch up
            self._next = now + self.period
        self._handle = self._loop.call_at(self._next, self._tick)
        self._node._guarded(self._fn)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
