"""The range node: map a number from one range to another (scale, clamp, roll, drop).

Arithmetic follows JavaScript: ``roll`` wraps with a truncating remainder, ``round`` rounds
halves up (``Math.round``). Non-numbers are logged and dropped; a message without the property
passes through (corpus case range_node).
"""

from __future__ import annotations

import math
from typing import Any

from flowengine.jsutil import normalise_number
from flowengine.node import Node
from flowengine.typed import js_string, to_number
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._help import node_help
from ._jsprops import compile_path, js_get_or_undefined, js_set, resolve_path


class RangeNode(Node):
    type = "range"
    category = "function"
    color = "#E2D96E"
    icon = "range.svg"
    schema = {
        "type": "object",
        "properties": {
            "minin": {"type": ["string", "number"], "default": ""},
            "maxin": {"type": ["string", "number"], "default": ""},
            "minout": {"type": ["string", "number"], "default": ""},
            "maxout": {"type": ["string", "number"], "default": ""},
            "action": {"type": "string", "enum": ["scale", "clamp", "roll", "drop"], "default": "scale"},
            "round": {"type": ["boolean", "string"], "default": False},
            "property": {"type": "string", "default": "payload"},
        },
    }
    help = node_help("range")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.action = config.get("action") or "scale"
        self.round = config.get("round") in (True, "true")
        self.minin = float(to_number(config.get("minin", "")))
        self.maxin = float(to_number(config.get("maxin", "")))
        self.minout = float(to_number(config.get("minout", "")))
        self.maxout = float(to_number(config.get("maxout", "")))
        self.property = str(config.get("property") or "payload")

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        keys = compile_path(self.property) or resolve_path(self.property, msg)
        value = js_get_or_undefined(msg, keys)
        if value is UNDEFINED:
            send(msg)
            done()
            return
        n = float(to_number(value))
        if math.isnan(n):
            self.info(f"Payload is not a number: {js_string(value)}")
            done()
            return
        if self.action == "drop" and (n < self.minin or n > self.maxin):
            done()
            return
        if self.action == "clamp":
            n = min(max(n, self.minin), self.maxin)
        elif self.action == "roll":
            span = self.maxin - self.minin
            n = math.fmod(math.fmod(n - self.minin, span) + span, span) + self.minin if span else math.nan
        result = _js_div(n - self.minin, self.maxin - self.minin) * (self.maxout - self.minout) + self.minout
        if self.round and math.isfinite(result):
            result = float(math.floor(result + 0.5))
        js_set(msg, keys, normalise_number(result))
        send(msg)
        done()


def _js_div(a: float, b: float) -> float:
    """Division with IEEE results for a zero divisor, as JavaScript gives."""
    if b:
        return a / b
    if a == 0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


NODES: list[type[Node]] = [RangeNode]
