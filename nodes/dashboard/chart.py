"""``ui_chart``: line, bar, horizontal bar, pie, polar-area and radar charts (Dashboard 1's data rules).

A number in ``msg.payload`` adds a point: line charts keep one series per ``msg.series`` or
``msg.topic`` on a time axis (``msg.timestamp`` or now), dropping points older than
``removeOlder`` x ``removeOlderUnit`` seconds or past ``removeOlderPoints``; the other charts keep
one value per label (``msg.topic``). ``false`` or ``null`` makes a gap; other non-numbers redraw.
Pages get only the change: the new point (with how many old ones went) or the changed cell; the
whole data when Dashboard 1 would redraw it (a point put back in time order, a label added after
others, a page that connects).
An empty array clears the chart; an array ``[{series, data, labels}]`` (the format the chart sends
out) replaces its data. With wires out, each input sends the chart's data in that format.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from flowengine.jsutil import js_truthy, to_number
from flowengine.message import deep_clone
from flowengine.node import Node
from flowengine.types import UNDEFINED, Msg

from .help_pages import node_help
from .hub import DashboardHub
from .props import BOOLEAN, NUMBER, date_ms, js_num, parse_float, parse_int, prop, widget_schema
from .widget import Conversion, Widget

__all__ = ["NODES", "UiChart"]

CHART_TYPES = ["line", "bar", "horizontalBar", "pie", "polar-area", "radar"]
PRUNE_EVERY_MS = 60000
Clock = Callable[[], float]


def _now_ms() -> float:
    return float(time.time_ns() // 1_000_000)


class UiChart(Widget):
    type = "ui_chart"
    label = "chart"
    color = "rgb(119, 198, 204)"
    icon = "ui_chart.png"
    schema = widget_schema({
        "label": prop("string", "chart", "Label", "Title above the chart."),
        "chartType": prop("string", "line", "Type", "The kind of chart.", enum=CHART_TYPES),
        "legend": prop(BOOLEAN, "false", "Legend", "Show the series names."),
        "xformat": prop("string", "HH:mm:ss", "X-axis label", "Time format of the x axis (line charts)."),
        "interpolate": prop("string", "linear", "Interpolate", "How points are joined.",
                            enum=["linear", "step", "bezier", "cubic", "monotone"]),
        "nodata": prop("string", "", "Placeholder", "Text shown while there is no data."),
        "dot": prop(BOOLEAN, False, "Dots", "Mark each point."),
        "ymin": prop(NUMBER, "", "Y min", "Lowest value of the y axis (empty: automatic)."),
        "ymax": prop(NUMBER, "", "Y max", "Highest value of the y axis (empty: automatic)."),
        "removeOlder": prop(NUMBER, 1, "X-axis span", "Points older than this many units are dropped."),
        "removeOlderPoints": prop(NUMBER, "", "Points", "At most this many points per series (empty: no limit)."),
        "removeOlderUnit": prop(NUMBER, "3600", "Span unit", "Seconds per unit: 1, 60, 3600, 86400, 604800."),
        "cutout": prop(NUMBER, 0, "Cutout", "Pie: size of the hole in the middle (percent)."),
        "useOneColor": prop(BOOLEAN, False, "One colour", "Bars all in the first colour."),
        "useUTC": prop(BOOLEAN, False, "UTC", "Show times in UTC."),
        "colors": prop("array", ["#1F77B4", "#AEC7E8", "#FF7F0E", "#2CA02C", "#98DF8A", "#D62728", "#FF9896",
                                 "#9467BD", "#C5B0D5"], "Series colours", "Colour of each series in turn."),
        "outputs": prop(NUMBER, 1, "Outputs", "1: the chart sends its data on each input."),
        "useDifferentColor": prop(BOOLEAN, False, "Different colours", "Each bar its own colour."),
        "useOldStyle": prop(BOOLEAN, False, "Old style", "Not used."),
    })
    help = node_help("ui_chart")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.chart_type = str(config.get("chartType") or "line")
        extra = getattr(host.settings, "extra", None) or {}
        self.clock: Clock = extra.get("dashboard_clock") or _now_ms
        self._last_prune = self.clock()
        self._redraw_timer: Any = None

    def build_control(self) -> dict[str, Any]:
        c = self.config
        width = parse_int(c.get("width") if c.get("width") not in ("0", 0) else None)
        if math.isnan(width) or not width:
            width = parse_int(self.group_width) or 6
        height = parse_int(c.get("height")) if c.get("height") not in ("0", 0, None, "") else math.nan
        if math.isnan(height) or not height:
            guess = parse_float(self.group_width) / 2 + 1
            height = parse_int(guess) if guess and not math.isnan(guess) else 4
        return {"type": "chart", "look": self.chart_type, "order": c.get("order"), "label": c.get("label"),
                "legend": c.get("legend") or False, "interpolate": c.get("interpolate"), "nodata": c.get("nodata"),
                "width": js_num(width) if not math.isnan(width) else 6,
                "height": js_num(height) if not math.isnan(height) else 4,
                "ymin": c.get("ymin"), "ymax": c.get("ymax"), "dot": c.get("dot") or False,
                "xformat": c.get("xformat") or "HH:mm:ss", "cutout": js_num(parse_int(c.get("cutout") or 0)),
                "colors": c.get("colors"), "useOneColor": c.get("useOneColor") or False,
                "useUTC": c.get("useUTC") or False, "animation": False, "spanGaps": False,
                "useDifferentColor": c.get("useDifferentColor") or False, "options": {},
                "className": c.get("className") or ""}

    def started(self, hub: DashboardHub) -> None:
        self.listen("changetab", lambda *args: self._redraw("R"))
        # Dashboard 1 redraws 100 ms after start, flushing data a deploy left on the pages
        self._redraw_timer = self.call_later(0.1, lambda: self._redraw("start"))

    def on_close(self, removed: bool) -> None:
        if self._redraw_timer is not None:
            self._redraw_timer.cancel()
            self._redraw_timer = None
        super().on_close(removed)

    def _redraw(self, payload: str) -> None:
        if self.hub is not None:
            self._pipeline(self.hub, {"payload": payload}, self.send)

    def convert_back(self, value: Any) -> Any:
        if js_truthy(value) and isinstance(value, list):
            if value and isinstance(value[0], dict) and "values" in value[0]:
                return [deep_clone(value[0]["values"])]
            if not value:
                return []
        return [] if isinstance(value, list) and not value else UNDEFINED

    def convert(self, value: Any, old: Any, msg: Msg) -> Any:
        assert self.hub is not None
        known = self.hub.chart_types
        if known.get(self.id, self.chart_type) != self.chart_type:
            value = []
        look = self.control.get("look")
        if look != self.chart_type:
            if "line" in (look, self.chart_type):
                value = []
            self.chart_type = str(look)
        known[self.id] = self.chart_type
        if isinstance(value, list):
            return self._replace(value, old, msg)
        return self._add_point(value, old, msg)

    def _replace(self, value: list[Any], old: Any, msg: Msg) -> Any:
        if not value:
            return Conversion(full=[])
        first = value[0]
        if not (isinstance(first, dict) and "series" in first and "data" in first):
            self.warn("Bad data inject")
            return Conversion(full=old)
        if not isinstance(first["series"], list):
            self.error("series not array", msg)
            return UNDEFINED
        if not isinstance(first["data"], list):
            self.error("Data not array", msg)
            return UNDEFINED
        not_numbers = all(math.isnan(to_number(_first(row))) for row in first["data"])
        limit = self.config.get("removeOlderPoints")
        if self.chart_type == "line":
            if not_numbers:
                first.pop("labels", None)
            if js_truthy(limit):
                n = int(to_number(limit)) if not math.isnan(to_number(limit)) else 0
                for i, row in enumerate(first["data"]):
                    if isinstance(row, list) and n and len(row) > n:
                        first["data"][i] = row[-n:]
        elif self.chart_type in ("bar", "horizontalBar") and not_numbers:
            first["data"] = [[d] for d in first["data"]]
            first["series"], first["labels"] = first.get("labels", UNDEFINED), first["series"]
        return Conversion(full=[{"key": self.id, "values": first}])

    def _add_point(self, value: Any, old: Any, msg: Msg) -> Any:
        if value is False:
            value = None
        if value is not None:
            number = parse_float(value)
            if math.isnan(number):
                return UNDEFINED
            value = js_num(number)
        label = msg.get("label") if js_truthy(msg.get("label")) else " "
        series = next((msg[k] for k in ("series", "topic") if js_truthy(msg.get(k))), "")
        if self.chart_type != "line" and not js_truthy(msg.get("series")):
            label = next((msg[k] for k in ("topic", "label") if js_truthy(msg.get(k))), " ")
            series = ""
        if not isinstance(old, list) or not old:
            old = [{"key": self.id, "values": {"series": [], "data": [], "labels": []}}]
        values = old[0]["values"]
        refill = False
        if self.chart_type == "line":
            label = ""
        names: list[Any] = values["series"]
        labels: list[Any] = values.setdefault("labels", [])
        data: list[Any] = values["data"]
        s = _index(names, series)
        row_label = _index(labels, label)
        if s == -1:
            names.append(series)
            s = len(names) - 1
            _put(data, s, [])
            refill = row_label > 0
        if row_label == -1:
            labels.append(label)
            row_label = len(labels) - 1
            refill = refill or row_label > 0
        if not isinstance(_at(data, s), list):
            _put(data, s, [])
        if self.chart_type != "line":
            _put(data[s], row_label, value)
            if refill:
                for i in range(len(names)):
                    if not isinstance(_at(data, i), list):
                        _put(data, i, [])
                    for k in range(len(labels)):
                        cell = _at(data[i], k)
                        _put(data[i], k, cell if js_truthy(cell) else None)
                return Conversion(full=old, point=True)
            # one cell changed: the page sets it (the whole data only when Dashboard 1 refilled it)
            return Conversion(full=old, point=[{"key": self.id, "update": True, "set": [[series, label, value]]}])
        return self._add_line_point(old, data[s], series, value, msg)

    def _add_line_point(self, old: list[Any], points: list[Any], series: Any, value: Any, msg: Msg) -> Any:
        stamp = msg.get("timestamp", UNDEFINED)
        now = js_num(date_ms(stamp)) if stamp is not UNDEFINED else js_num(self.clock())
        span = parse_int(self.config.get("removeOlder")) * parse_int(self.config.get("removeOlderUnit"))
        limit_time = now - span * 1000
        if now < limit_time:
            return old
        point = {"x": now, "y": value}
        points.append(point)
        new_point: Any = [{"key": self.id, "update": True, "values": {"series": series, "data": point, "labels": ""}}]
        removed = 0
        for p in points:
            if _x(p) >= limit_time:
                break
            removed += 1
        if removed:
            del points[:removed]
        limit = self.config.get("removeOlderPoints")
        if js_truthy(limit):
            extra = len(points) - to_number(limit)
            if extra > 0:
                del points[:int(extra)]
                removed = int(extra)
        if removed > 0:
            new_point[0]["remove"] = removed
        swapped = False
        for t in range(len(points) - 2, -1, -1):  # a point with an earlier timestamp moves into place
            if _x(points[t]) <= now:
                break
            points[t], points[t + 1] = points[t + 1], points[t]
            swapped = True
        if swapped:
            new_point = True
        wall = self.clock()
        if wall > self._last_prune + PRUNE_EVERY_MS:
            self._last_prune = wall
            for row in old[0]["values"]["data"]:
                if isinstance(row, list):
                    stale = next((i for i, p in enumerate(row) if _x(p) >= limit_time), len(row))
                    if stale:
                        del row[:stale]
                        new_point = True
        return Conversion(full=old, point=new_point)


def _x(point: Any) -> float:
    x = point.get("x") if isinstance(point, dict) else None
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else math.nan


def _first(row: Any) -> Any:
    if isinstance(row, list | str) and row:
        return row[0]
    return UNDEFINED


def _index(items: list[Any], value: Any) -> int:
    """JavaScript ``indexOf``: strict equality (``1`` is not ``true``)."""
    for i, item in enumerate(items):
        if type(item) is type(value) and item == value:
            return i
        if isinstance(item, int | float) and isinstance(value, int | float) and not isinstance(
                item, bool) and not isinstance(value, bool) and item == value:
            return i
    return -1


def _at(items: list[Any], i: int) -> Any:
    return items[i] if 0 <= i < len(items) else None


def _put(items: list[Any], i: int, value: Any) -> None:
    """``array[i] = value`` as JavaScript does it: the array grows (holes are null)."""
    while len(items) <= i:
        items.append(None)
    items[i] = value


NODES: list[type[Node]] = [UiChart]
