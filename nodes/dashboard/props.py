"""Small pieces shared by the dashboard nodes: JavaScript number parsing and schema fragments.

Dashboard 1 stores many numbers as strings (``"6"``, ``""``) and reads them with ``parseFloat`` /
``parseInt``; the schemas therefore accept both numbers and strings wherever Node-RED's editor may
write either, so flows exported from Node-RED load unchanged.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["NUMBER", "common_widget_properties", "group_property", "number_or", "parse_float", "parse_int",
           "prop", "widget_schema"]

_FLOAT = re.compile(r"^[\s]*([+-]?(?:Infinity|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))")
_INT = re.compile(r"^[\s]*([+-]?\d+)")

NUMBER: dict[str, Any] = {"type": ["number", "string"]}
BOOLEAN: dict[str, Any] = {"type": ["boolean", "string"]}
NULLABLE_NUMBER: dict[str, Any] = {"type": ["number", "string", "null"]}
"""Dashboard 2's editor may leave a number ``null`` (e.g. a widget's ``width``)."""


def parse_float(value: Any) -> float:
    """JavaScript ``parseFloat(value)`` (NaN when no number starts the text)."""
    if isinstance(value, bool):
        return math.nan
    if isinstance(value, int | float):
        return float(value)
    m = _FLOAT.match(str(value) if value is not None else "")
    if m is None:
        return math.nan
    text = m.group(1)
    return float(text.replace("Infinity", "inf"))


def parse_int(value: Any) -> float:
    """JavaScript ``parseInt(value)`` (as a float, NaN when no digits start the text)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(math.trunc(value)) if math.isfinite(value) else math.nan
    m = _INT.match(str(value) if value is not None and not isinstance(value, bool) else "")
    return float(m.group(1)) if m else math.nan


def number_or(value: Any, default: float) -> float:
    n = parse_float(value)
    return default if math.isnan(n) else n


def js_num(value: float) -> int | float:
    """A float as JavaScript would print it: integral values become ints."""
    if math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def group_property(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def prop(kind: Any, default: Any, title: str, description: str, **extra: Any) -> dict[str, Any]:
    """One schema property: ``kind`` is a JSON-schema type (or a fragment dict)."""
    base = dict(kind) if isinstance(kind, dict) else ({"type": kind} if kind else {})
    return {**base, "default": default, "title": title, "description": description, **extra}


def common_widget_properties(group_required: bool = True) -> dict[str, Any]:
    """``group``, ``order``, ``width``, ``height`` and ``className``: every widget has them."""
    return {
        "group": prop("string", "", "Group", "The dashboard group (ui_group) the widget is shown in.",
                      **{"x-config-type": "ui_group"}),
        "order": prop(NUMBER, 0, "Order", "Position within the group (0: after the numbered ones)."),
        "width": prop(NUMBER, 0, "Width", "Width in grid units (0: the group's width)."),
        "height": prop(NUMBER, 0, "Height", "Height in grid units (0: automatic)."),
        "className": prop("string", "", "Class", "CSS class added to the widget; msg.className sets it too."),
    }


def widget_schema(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {**common_widget_properties(), **properties}}


TOPIC_TYPES = ["str", "msg", "flow", "global", "env"]


def topic_properties(default: str = "topic", default_type: str = "msg") -> dict[str, Any]:
    return {
        "topic": prop("string", default, "Topic", "msg.topic of the messages the widget sends."),
        "topicType": prop("string", default_type, "Topic type", "How the topic is read.", enum=TOPIC_TYPES),
    }


def same_value(a: Any, b: Any) -> bool:
    """Node-RED's ``RED.util.compareObjects``: deep equality where ``1`` and ``true`` differ."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and bool(a == b)


def date_ms(value: Any) -> float:
    """JavaScript ``new Date(value).valueOf()`` for numbers and ISO-8601 texts (NaN otherwise)."""
    import datetime as dt

    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value.strip():
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            return math.nan
        if when.tzinfo is None and "T" not in text and " " not in text:
            when = when.replace(tzinfo=dt.UTC)  # a date-only form is UTC in JavaScript
        return when.timestamp() * 1000.0
    return math.nan
