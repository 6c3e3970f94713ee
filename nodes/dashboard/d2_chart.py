"""Dashboard 2's ``ui-chart``: each message adds data points ``{category, x, y}`` (Dashboard 2's
rules), drawn by the page's chart widget.

The series (``category``) is ``msg.topic`` by default, or a key of the payload (``categoryType``
``property``), a fixed text, or a list of keys (``json``: one point per key). ``x`` is the time of
arrival unless ``xAxisProperty`` names it; ``y`` is a number payload or the ``yAxisProperty`` key of
an object payload. An array payload adds one point per element; ``[]`` clears the chart; action
``replace`` (or ``msg.action``) replaces the data. Points older than ``removeOlder`` x
``removeOlderUnit`` seconds or past ``removeOlderPoints`` per series are dropped (the data stays
bounded). Pages get only what a message changed (the points it added, those it dropped); the whole
data goes to a page when it connects and when a change cannot be said in points. Every message is
sent on.
"""

from __future__ import annotations

import math
import time
from typing import Any

from flowengine.node import Node
from flowengine.types import UNDEFINED, Msg, Send

from .d2_chart_data import LineData, TableData, as_time
from .d2_widget import D2Widget, d2_schema
from .help_pages import node_help
from .props import BOOLEAN, NULLABLE_NUMBER, date_ms, js_num, parse_float, parse_int, prop

__all__ = ["NODES", "UiChart2"]

_LOOKS = {"line": "line", "area": "line", "scatter": "line", "bar": "bar", "histogram": "bar", "pie": "pie",
          "doughnut": "pie"}


def _key(value: Any, path: str) -> Any:
    """Dashboard 2's ``getProperty``: follow a dotted path, undefined when it breaks."""
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part, UNDEFINED)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return UNDEFINED
    return value


class UiChart2(D2Widget):
    type = "ui-chart"
    label = "chart"
    icon = "ui_chart.png"
    updatable = ("chartOptions",)
    schema = d2_schema({
        "label": prop("string", "chart", "Label", "Title above the chart."),
        "chartType": prop("string", "line", "Type", "The kind of chart.", enum=list(_LOOKS)),
        "category": prop("string", "topic", "Series", "Where each point's series comes from."),
        "categoryType": prop("string", "msg", "Series type", "msg, str, property (a key) or json (keys).",
                             enum=["msg", "str", "property", "json"]),
        "xAxisProperty": prop("string", "", "X", "Key of the x value (empty: the time of arrival)."),
        "xAxisPropertyType": prop("string", "timestamp", "X type", "How x is read.",
                                  enum=["timestamp", "msg", "str", "property"]),
        "xAxisType": prop("string", "time", "X axis", "time, linear, category or radial.",
                          enum=["time", "linear", "category", "radial"]),
        "yAxisProperty": prop("string", "", "Y", "Key of the y value in an object payload."),
        "yAxisPropertyType": prop("string", "property", "Y type", "How y is read.", enum=["msg", "property"]),
        "ymin": prop(NULLABLE_NUMBER, "", "Y min", "Lowest y shown."),
        "ymax": prop(NULLABLE_NUMBER, "", "Y max", "Highest y shown."),
        "action": prop("string", "append", "Action", "New points are added or replace the data.",
                       enum=["append", "replace"]),
        "removeOlder": prop(NULLABLE_NUMBER, 1, "Keep", "Drop points older than this many units (time axis)."),
        "removeOlderUnit": prop(NULLABLE_NUMBER, "3600", "Unit (s)", "Seconds per unit (1, 60, 3600, 86400)."),
        "removeOlderPoints": prop(NULLABLE_NUMBER, "", "Points", "Points kept per series (empty: all)."),
        "showLegend": prop(BOOLEAN, True, "Legend", "Show the series' names."),
        "colors": prop("array", [], "Colours", "Colours of the series."),
        "xAxisFormat": prop("string", "", "X format", "How times are written."),
    })
    help = node_help("ui-chart")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        look = _LOOKS.get(str(config.get("chartType")), "line")
        self.by_x = config.get("xAxisType") == "category"
        """Bar and pie charts by category: a label per x value, a series per category."""
        self.data: LineData | TableData = LineData() if look == "line" else TableData()
        self.clock = (host.settings.extra or {}).get("dashboard_clock") or (lambda: time.time() * 1000)

    def build_control(self) -> dict[str, Any]:
        c = self.config
        return {"type": "chart", "look": _LOOKS.get(str(c.get("chartType")), "line"), "label": c.get("label"),
                "order": c.get("order"), "width": self.width(), "height": self.height(4),
                "legend": c.get("showLegend") is not False, "ymin": c.get("ymin"), "ymax": c.get("ymax"),
                "xformat": c.get("xAxisFormat") or "HH:mm:ss", "colors": c.get("colors") or None,
                "className": c.get("className") or ""}

    # --- data points (Dashboard 2's beforeSend + onInput) ---
    def _series(self, msg: Msg, payload: Any) -> Any:
        kind, name = str(self.config.get("categoryType") or "msg"), self.config.get("category")
        if kind == "property":
            return _key(payload, str(name or "")) if name else UNDEFINED
        if kind == "json":
            try:
                return self.evaluate(name, "json", msg)
            except Exception:  # not a list of keys: one series named by the text
                return name
        try:
            return self.evaluate(name, kind, msg)
        except Exception:
            return UNDEFINED

    def _point(self, msg: Msg, payload: Any, series: Any) -> dict[str, Any]:
        c = self.config
        x_kind, x_name = str(c.get("xAxisPropertyType") or "timestamp"), str(c.get("xAxisProperty") or "")
        now = js_num(self.clock())
        point: dict[str, Any] = {"category": series}
        x: Any = now
        if x_kind != "timestamp" and x_name:
            x = _key(payload, x_name) if x_kind == "property" else (
                _key(msg, x_name) if x_kind == "msg" else x_name)
        if isinstance(payload, int | float | str) and not isinstance(payload, bool):
            point["x"], point["y"] = x, payload
        elif isinstance(payload, dict):
            y_name = str(c.get("yAxisProperty") or "")
            y_kind = c.get("yAxisPropertyType") or "property"
            if isinstance(series, list):
                y: Any = [_key(payload, str(s)) for s in series]
            elif c.get("categoryType") == "json":
                y = _key(payload, str(series))
            elif y_name:
                y = _key(payload if y_kind == "property" else msg, y_name)
            else:
                y = payload.get("y", UNDEFINED)
            point["x"], point["y"] = (payload.get("x", x) if not x_name else x), y
        return point

    def _points(self, msg: Msg) -> list[dict[str, Any]]:
        payload = msg.get("payload", UNDEFINED)
        series = self._series(msg, payload)
        if isinstance(payload, list):
            return [self._point(msg, p, self._series(msg, p) if self.config.get("categoryType") == "property"
                                else series) for p in payload]
        if self.config.get("categoryType") == "json" and isinstance(series, list):
            return [self._point(msg, payload, s) for s in series if _key(payload, str(s)) is not UNDEFINED]
        return [self._point(msg, payload, series)]

    def handle_input(self, msg: Msg, send: Send) -> bool:
        payload = msg.get("payload", UNDEFINED)
        if payload is not UNDEFINED:
            action = msg.get("action") or self.config.get("action")
            if (isinstance(payload, list) and not payload) or (action == "replace" and msg.get("action") != "append"):
                self.data.clear()
            for point in self._points(msg):
                if point.get("y", UNDEFINED) is not UNDEFINED:
                    self._add(point)
            self._prune()
        send(msg)
        return True

    def _add(self, point: dict[str, Any]) -> None:
        name, y = _name(point.get("category")), _y(point.get("y"))
        x = as_time(point.get("x"), date_ms)
        if isinstance(self.data, LineData):
            self.data.add(name, js_num(x), y)
        elif self.by_x:
            self.data.put(name, _name(point.get("x")), y, x)
        else:
            self.data.put("", name, y, x)

    def _prune(self) -> None:
        c = self.config
        keep = parse_int(c.get("removeOlderPoints"))
        if keep and keep > 0 and (isinstance(self.data, LineData) or self.by_x):
            self.data.keep_last(int(keep))
        span = parse_float(c.get("removeOlder")) * parse_float(c.get("removeOlderUnit")) * 1000
        if (c.get("xAxisType") or "time") == "time" and span > 0:
            self.data.keep_after(self.clock() - span)

    # --- to the page: what changed, the whole data to a page that connects later ---
    def show(self, msg: Msg) -> None:
        if self.hub is None:
            return
        change = self.data.take_change()
        if change is None:
            event: dict[str, Any] = {"value": self.dataset()}
        elif any(change.values()):
            event = {"value": [{"key": self.id, "update": True, **change}]}
        else:
            return
        event["id"] = self.id
        # the replay holds the live data: a page connecting later gets it as it is then
        self.hub.replay[self.id] = {**self.hub.replay.get(self.id, {}), "id": self.id, "value": self.dataset()}
        self._emit(event, msg)

    def dataset(self) -> list[dict[str, Any]]:
        """The whole data in the page's format (live lists: changed in place by later messages)."""
        if not self.data.series:
            return []
        return [{"key": self.id, "values": self.data.values()}]


def _name(value: Any) -> str:
    return "" if value is None or value is UNDEFINED else str(value)


def _y(value: Any) -> int | float | None:
    """A point's y as a number (None, a gap, when it is not one)."""
    n = parse_float(value)
    return None if math.isnan(n) or math.isinf(n) else js_num(n)


def _time(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return date_ms(value)


NODES: list[type[Node]] = [UiChart2]
