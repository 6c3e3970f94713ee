"""The filter node (type ``rbe``): report by exception, or pass only changes beyond a deadband.

``func``: ``rbe`` (pass when the value changed; objects compared deeply), ``rbei`` (the same,
ignoring the first value), ``deadband``/``deadbandEq`` (pass when the change is greater than /
at least ``gap``), ``narrowband``/``narrowbandEq`` (pass when it is within the band). ``gap``
may be a percentage ("10%"). ``inout`` chooses whether the reference is the last value passed
(``out``) or the last value received (``in``). With ``septopics`` each topic has its own
reference; ``msg.reset`` clears it (corpus case rbe_filter).
"""

from __future__ import annotations

import math
import re
from typing import Any

from flowengine.message import deep_clone
from flowengine.node import Node
from flowengine.typed import js_string, to_number
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._help import node_help
from ._jsprops import compile_path, js_get, read_property, resolve_path

_FLOAT_PREFIX = re.compile(r"^[\s]*([+-]?(?:Infinity|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))")
_NO_TOPIC = "_no_topic"


class RbeNode(Node):
    type = "rbe"
    category = "function"
    label = "filter"
    color = "#E2D96E"
    icon = "rbe.png"
    schema = {
        "type": "object",
        "properties": {
            "func": {
                "type": "string",
                "enum": ["rbe", "rbei", "deadband", "deadbandEq", "narrowband", "narrowbandEq"],
                "default": "rbe",
            },
            "gap": {"type": ["string", "number"], "default": ""},
            "start": {"type": ["string", "number"], "default": ""},
            "inout": {"type": "string", "enum": ["in", "out"], "default": "out"},
            "septopics": {"type": ["boolean", "string"], "default": True},
            "property": {"type": "string", "default": "payload"},
            "topi": {"type": "string", "default": "topic"},
        },
    }
    help = node_help("rbe")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.func = config.get("func") or "rbe"
        gap = js_string(config.get("gap") or "0")
        self.percent = gap.endswith("%")
        self.gap_setting = _parse_float(gap) if self.percent else to_number(gap)
        self.start = config.get("start", "")
        if self.start is None:
            self.start = ""
        self.inout = config.get("inout") or "out"
        self.septopics = config.get("septopics") is not False and config.get("septopics") != "false"
        self.property = str(config.get("property") or "payload")
        self.topic_property = str(config.get("topi") or "topic")
        self.previous: dict[str, Any] = {}

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        try:
            topic = js_get(msg, compile_path(self.topic_property) or resolve_path(self.topic_property, msg))
        except ValueError:
            topic = UNDEFINED
        if "reset" in msg:
            if self.septopics and isinstance(topic, str) and topic:
                self.previous.pop(topic, None)
            else:
                self.previous = {}
        value = read_property(msg, self.property)
        if value is not UNDEFINED:
            key = _NO_TOPIC
            if self.septopics and topic not in (UNDEFINED, None, "", 0, False):
                key = js_string(topic)
            if self.func in ("rbe", "rbei"):
                self._by_exception(key, value, msg, send)
            else:
                self._band(key, value, msg, send)
        done()

    def _by_exception(self, key: str, value: Any, msg: Msg, send: Send) -> None:
        do_send = self.func != "rbei" or key in self.previous
        if isinstance(value, dict | list | bytes | bytearray) or value is None:
            previous = self.previous.get(key)
            if not isinstance(previous, dict | list | bytes | bytearray) and previous is not None:
                previous = {}
            if not _deep_equal(value, previous if key in self.previous else {}):
                self.previous[key] = deep_clone(value)
                if do_send:
                    send(msg)
        elif key not in self.previous or not _strict_equal(value, self.previous[key]):
            self.previous[key] = value
            if do_send:
                send(msg)

    def _band(self, key: str, value: Any, msg: Msg, send: Send) -> None:
        n = _parse_float(js_string(value))
        if math.isnan(n):
            self.warn("no number found in payload")
            return
        func = self.func
        if key not in self.previous and func in ("narrowband", "narrowbandEq"):
            self.previous[key] = n if self.start == "" else to_number(self.start)
        prev = self.previous.get(key)
        if self.percent:
            gap = abs(prev * self.gap_setting / 100) if prev is not None else 0.0
            gap = 0.0 if math.isnan(gap) else gap
        else:
            gap = float(self.gap_setting)
        if prev is None and func == "narrowbandEq":
            prev = self.previous[key] = n
        if prev is None:
            prev = self.previous[key] = n - gap - 1
        diff = abs(n - float(prev))
        passed = (
            (diff == gap and func in ("deadbandEq", "narrowband"))
            or (diff > gap and func in ("deadband", "deadbandEq"))
            or (diff < gap and func in ("narrowband", "narrowbandEq"))
        )
        if passed:
            if self.inout == "out":
                self.previous[key] = n
            send(msg)
        if self.inout == "in":
            self.previous[key] = n


def _parse_float(text: str) -> float:
    """JavaScript ``parseFloat``: the longest numeric prefix, NaN when there is none."""
    m = _FLOAT_PREFIX.match(text)
    if not m:
        return math.nan
    token = m.group(1)
    if token.lstrip("+-") == "Infinity":
        return -math.inf if token.startswith("-") else math.inf
    return float(token)


def _strict_equal(a: Any, b: Any) -> bool:
    """JavaScript ``===`` for primitives (``1 === 1.0``, ``true !== 1``, ``NaN !== NaN``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if type(a) is not type(b) and not (isinstance(a, int | float) and isinstance(b, int | float)):
        return False
    return bool(a == b)


def _deep_equal(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_deep_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_deep_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bytes | bytearray) and isinstance(b, bytes | bytearray):
        return bytes(a) == bytes(b)
    if isinstance(a, dict | list | bytes | bytearray) or isinstance(b, dict | list | bytes | bytearray):
        return False
    return _strict_equal(a, b) or (a is None and b is None)


NODES: list[type[Node]] = [RbeNode]
