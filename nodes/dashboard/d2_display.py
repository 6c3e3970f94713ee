"""Dashboard 2's output widgets: ``ui-text``, ``ui-gauge``, ``ui-template``, ``ui-markdown`` and
``ui-table``, drawn by the page's text, gauge, template, markdown and table widgets."""

from __future__ import annotations

import math
import re
from typing import Any

from flowengine.jsutil import js_string
from flowengine.message import deep_clone
from flowengine.node import Node
from flowengine.types import UNDEFINED, Msg, Send

from .d2_config import UiBase2, UiPage2, hub_of_base
from .d2_widget import D2Widget, d2_schema
from .help_pages import node_help
from .props import BOOLEAN, NULLABLE_NUMBER, js_num, parse_float, prop

__all__ = ["NODES", "UiGauge2", "UiMarkdown2", "UiTable2", "UiTemplate2", "UiText2"]

_TEXT_LAYOUTS = {"row-spread": ("row", "space-between center"), "row-left": ("row", "start center"),
                 "row-center": ("row", "center center"), "row-right": ("row", "end center"),
                 "col-center": ("column", "center center")}
VALUE_TYPES = ["msg", "flow", "global", "str", "num", "json", "jsonata", "env"]


def _shown(msg: Msg) -> dict[str, Any]:
    """The parts of a message a page shows (payload and topic; other properties stay in the flow)."""
    return {k: deep_clone(msg[k]) for k in ("payload", "topic") if k in msg and msg[k] is not UNDEFINED}


def _value(widget: D2Widget, msg: Msg) -> None:
    """Dashboard 2's ``value``/``valueType``: the payload the widget shows (a warning when it fails)."""
    kind, expr = widget.config.get("valueType"), widget.config.get("value")
    if kind and expr:
        try:
            msg["payload"] = widget.evaluate(expr, str(kind), msg)
        except Exception as exc:
            widget.warn(f"Error evaluating value property: {exc}")


class UiText2(D2Widget):
    type = "ui-text"
    label = "text"
    icon = "font.svg"
    outputs = 0
    updatable = ("label", "layout", "font", "fontSize", "color")
    schema = d2_schema({
        "label": prop("string", "text", "Label", "Text beside the value."),
        "format": prop("string", "{{msg.payload}}", "Format", "How the value is shown."),
        "layout": prop("string", "row-spread", "Layout", "Where label and value sit.", enum=list(_TEXT_LAYOUTS)),
        "style": prop(BOOLEAN, False, "Custom style", "Apply the font, size and colour below."),
        "font": prop("string", "", "Font", "CSS font family."),
        "fontSize": prop(NULLABLE_NUMBER, 16, "Font size", "In pixels."),
        "color": prop("string", "#717171", "Colour", "Text colour."),
        "wrapText": prop(BOOLEAN, False, "Wrap", "Wrap long values."),
        "value": prop("string", "payload", "Value", "Which property is shown."),
        "valueType": prop("string", "msg", "Value type", "How the value is read.", enum=VALUE_TYPES),
    })
    help = node_help("ui-text")

    def build_control(self) -> dict[str, Any]:
        c = self.config
        layout, align = _TEXT_LAYOUTS.get(str(c.get("layout") or "row-spread"), _TEXT_LAYOUTS["row-spread"])
        style = ""
        if c.get("style"):
            style += f"color: {c['color']};" if c.get("color") else ""
            style += f"font-size: {c['fontSize']}px;" if c.get("fontSize") else ""
            style += f"font-family: {c['font']};" if c.get("font") else ""
        return {"type": "text", "label": c.get("label"), "order": c.get("order"), "format": c.get("format") or "",
                "width": self.width(), "height": self.height(), "layout": layout, "layoutAlign": align,
                "className": c.get("className") or "", "style": style}

    def before_send(self, msg: Msg) -> Msg | None:
        self.apply_ui_update(msg)
        _value(self, msg)
        return msg

    def page_event(self, msg: Msg) -> dict[str, Any] | None:
        payload = msg.get("payload", UNDEFINED)
        if payload is UNDEFINED:
            return None
        shown = None if payload is None else (
            bytes(payload).decode("latin-1") if isinstance(payload, bytes | bytearray) else js_string(payload))
        return {"value": shown, "msg": _shown(msg)}


_GAUGE_SHAPES = {"gauge-half": "gage", "gauge-34": "donut", "gauge-tile": "gage", "gauge-battery": "wave",
                 "gauge-tank": "wave"}


class UiGauge2(D2Widget):
    type = "ui-gauge"
    label = "gauge"
    icon = "ui-gauge.svg"
    outputs = 0
    updatable = ("label", "title", "gtype", "gstyle", "prefix", "suffix", "units", "icon", "segments", "min", "max")
    schema = d2_schema({
        "gtype": prop("string", "gauge-half", "Type", "The gauge's shape.", enum=list(_GAUGE_SHAPES)),
        "gstyle": prop("string", "needle", "Style", "needle or rounded.", enum=["needle", "rounded"]),
        "title": prop("string", "gauge", "Label", "Title of the gauge."),
        "units": prop("string", "units", "Units", "Shown under the value."),
        "prefix": prop("string", "", "Prefix", "Text before the value."),
        "suffix": prop("string", "", "Suffix", "Text after the value."),
        "icon": prop("string", "", "Icon", "Icon in the middle."),
        "min": prop(NULLABLE_NUMBER, 0, "Min", "Lowest value."),
        "max": prop(NULLABLE_NUMBER, 10, "Max", "Highest value."),
        "segments": prop("array", [{"from": "0", "color": "#5cd65c"}, {"from": "4", "color": "#ffc800"},
                                   {"from": "7", "color": "#ea5353"}], "Segments",
                         "Colour bands: each {from, color} starts at its value."),
        "value": prop("string", "payload", "Value", "Which property is shown."),
        "valueType": prop("string", "msg", "Value type", "How the value is read.", enum=VALUE_TYPES),
    })
    help = node_help("ui-gauge")

    def build_control(self) -> dict[str, Any]:
        return {"type": "gauge", "name": self.name, "order": self.config.get("order"), "width": self.width(3),
                "height": self.height(3), "className": self.config.get("className") or "",
                "hideMinMax": False, **self._look(self.config)}

    def _look(self, c: dict[str, Any]) -> dict[str, Any]:
        lo, hi = parse_float(c.get("min")), parse_float(c.get("max"))
        lo, hi = (0.0 if math.isnan(lo) else lo), (10.0 if math.isnan(hi) else hi)
        segments = [s for s in c.get("segments") or [] if isinstance(s, dict)]
        segments.sort(key=lambda s: _number(s.get("from"), lo))
        bounds = [_number(s.get("from"), lo) for s in segments]
        colors = [str(s.get("color") or "#888") for s in segments] or ["#00B500", "#E6E600", "#CA3838"]
        return {"label": c.get("title") or "", "units": c.get("units") or "",
                "format": f"{c.get('prefix') or ''}{{{{value}}}}{c.get('suffix') or ''}",
                "gtype": _GAUGE_SHAPES.get(str(c.get("gtype")), "gage"), "min": js_num(lo), "max": js_num(hi),
                "colors": colors, "sectors": [{"from": js_num(b), "color": col} for b, col in zip(bounds, colors,
                                                                                                   strict=True)],
                "seg1": js_num(bounds[1]) if len(bounds) > 1 else None,
                "seg2": js_num(bounds[2]) if len(bounds) > 2 else None}

    def map_update(self, changed: dict[str, Any]) -> dict[str, Any]:
        if "label" in changed:
            changed.setdefault("title", changed["label"])
        return {k: v for k, v in self._look({**self.config, **changed}).items() if k in self._keys(changed)}

    def _keys(self, changed: dict[str, Any]) -> set[str]:
        keys = {"label"} if "title" in changed else set()
        keys |= {"format"} if {"prefix", "suffix"} & changed.keys() else set()
        keys |= {"min", "max", "seg1", "seg2", "colors", "sectors"} if {"min", "max", "segments"} & changed.keys() \
            else set()
        keys |= {k for k in ("units", "gtype") if k in changed}
        return keys

    def before_send(self, msg: Msg) -> Msg | None:
        self.apply_ui_update(msg)
        _value(self, msg)
        self.append_topic(msg)
        return msg

    def page_event(self, msg: Msg) -> dict[str, Any] | None:
        payload = msg.get("payload", UNDEFINED)
        if payload is UNDEFINED:
            return None
        number = parse_float(payload)
        return {"value": payload if math.isnan(number) else js_num(number)}


def _number(value: Any, default: float) -> float:
    n = parse_float(value)
    return float(default) if math.isnan(n) else n


_SFC_SCRIPT = re.compile(r"<script\b[^>]*>(?:(?!</script>).)*\bexport\s+default\b.*?</script>", re.S | re.I)
_TEMPLATE = re.compile(r"^\s*<template>(.*)</template>", re.S | re.I)


def plain_template(source: str) -> str:
    """A Dashboard 2 template (a Vue component) as the page's HTML: the ``<template>`` body and its
    other parts (styles, scripts that are not the component's ``export default``)."""
    text = _SFC_SCRIPT.sub("", source)
    match = _TEMPLATE.search(text)
    if match is None:
        return text
    return match.group(1) + text[match.end():]


class UiTemplate2(D2Widget):
    type = "ui-template"
    label = "template"
    icon = "font-awesome/fa-code"
    page_kind = "send"
    updatable = ("format",)
    schema = d2_schema({
        "group": prop("string", "", "Group", "The ui-group of a widget template.", **{"x-config-type": "ui-group"}),
        "page": prop("string", "", "Page", "The ui-page of a page-wide template.", **{"x-config-type": "ui-page"}),
        "ui": prop("string", "", "Dashboard", "The ui-base of a site-wide template.", **{"x-config-type": "ui-base"}),
        "format": prop("string", "<template>\n  <div>{{ msg.payload }}</div>\n</template>", "Template",
                       "The widget's HTML (a Vue single-file component), written by the flow author.",
                       **{"x-widget": "code"}),
        "head": prop("string", "", "Head", "Not used."),
        "templateScope": prop("string", "local", "Type", "A widget in a group, or page/site-wide HTML or CSS.",
                              enum=["local", "widget:page", "widget:ui", "page:style", "site:style"]),
        "storeOutMessages": prop(BOOLEAN, True, "Store output", "Keep messages the template sends as its state."),
        "passthru": prop(BOOLEAN, True, "Pass through", "Forward input messages to the output."),
        "resendOnRefresh": prop(BOOLEAN, True, "Resend on refresh", "A page that connects later gets the last one."),
    })
    help = node_help("ui-template")

    def on_start(self) -> None:
        if self.config.get("group"):
            super().on_start()
            return
        page = self.config_node(self.config.get("page") or None)
        base = page.base() if isinstance(page, UiPage2) else self.config_node(self.config.get("ui") or None)
        self.base = base if isinstance(base, UiBase2) else None
        self.hub = hub_of_base(self, base)
        self.control = self.build_control()
        self.control["templateScope"] = "global"
        scope = str(self.config.get("templateScope") or "")
        if scope.endswith(":style") and "<style" not in self.control["format"].lower():
            self.control["format"] = f"<style>{self.control['format']}</style>"  # Dashboard 2's CSS templates
        self.control.pop("component", None)
        self._removers.append(self.hub.add_control(self.id, self.control, None, None))
        self._removers.append(self.hub.on_input(self.id, self._from_page))

    def build_control(self) -> dict[str, Any]:
        return {"type": "template", "order": self.config.get("order"), "width": self.width(),
                "height": self.height(0), "format": plain_template(str(self.config.get("format") or "")),
                "component": str(self.config.get("format") or ""), "templateScope": "local",
                "className": self.config.get("className") or ""}

    def map_update(self, changed: dict[str, Any]) -> dict[str, Any]:
        if "format" not in changed:
            return changed
        return {"format": plain_template(str(changed["format"] or "")), "component": str(changed["format"] or "")}

    def page_event(self, msg: Msg) -> dict[str, Any] | None:
        shown = {k: deep_clone(v) for k, v in msg.items()
                 if not k.startswith("_") and k not in ("template", "ui_update") and v is not UNDEFINED}
        if self.control.get("templateScope") == "global":
            shown["templateScope"] = "global"
        return {"msg": shown}


class UiMarkdown2(D2Widget):
    type = "ui-markdown"
    label = "markdown"
    icon = "ui-markdown.svg"
    updatable = ("content",)
    schema = d2_schema({
        "content": prop("string", "# Markdown\n\n{{ msg.payload }}", "Content",
                        "Markdown; {{ msg.payload }} inserts message values as text.", **{"x-widget": "code"}),
        "passthru": prop(BOOLEAN, True, "Pass through", "Forward input messages."),
    })
    help = node_help("ui-markdown")

    def build_control(self) -> dict[str, Any]:
        return {"type": "markdown", "order": self.config.get("order"), "width": self.width(),
                "height": self.height(0), "content": str(self.config.get("content") or ""),
                "className": self.config.get("className") or ""}

    def page_event(self, msg: Msg) -> dict[str, Any] | None:
        return {"msg": _shown(msg)}


class UiTable2(D2Widget):
    type = "ui-table"
    label = "table"
    icon = "font-awesome/fa-table"
    page_kind = "action"
    schema = d2_schema({
        "label": prop("string", "", "Label", "Title of the table."),
        "maxrows": prop(NULLABLE_NUMBER, 0, "Rows per page", "0: all rows."),
        "passthru": prop(BOOLEAN, False, "Pass through", "Forward input messages."),
        "autocols": prop(BOOLEAN, True, "Automatic columns", "Columns from the rows' keys."),
        "showSearch": prop(BOOLEAN, False, "Search", "Show a search field."),
        "selectionType": prop("string", "none", "Selection", "Clicking a row sends it.",
                              enum=["none", "click", "checkbox"]),
        "columns": prop("array", [], "Columns", "Each {title, key, type, width, align}."),
        "action": prop("string", "append", "Action", "New rows are appended or replace the table.",
                       enum=["append", "replace"]),
    })
    help = node_help("ui-table")

    def build_control(self) -> dict[str, Any]:
        c = self.config
        columns = [dict(col) for col in c.get("columns") or [] if isinstance(col, dict) and col.get("key")]
        return {"type": "table", "label": c.get("label") or "", "order": c.get("order"), "width": self.width(),
                "height": self.height(0), "maxrows": js_num(_number(c.get("maxrows"), 0)),
                "columns": [] if c.get("autocols") in (True, "true") or not columns else columns,
                "selection": c.get("selectionType") or "none", "className": c.get("className") or ""}

    def handle_input(self, msg: Msg, send: Send) -> bool:
        assert self.hub is not None
        payload = msg.get("payload", UNDEFINED)
        if isinstance(payload, dict):
            payload = [payload]
        if self.config.get("action") != "replace" and isinstance(payload, list) and payload:
            stored = self.hub.values.get(self.id)
            before = stored.get("payload") if isinstance(stored, dict) else None
            payload = [*(before if isinstance(before, list) else []), *payload]
        # Dashboard 2's table keeps the rows and sends nothing on (its input handler has no send)
        self.hub.values[self.id] = {**{k: deep_clone(v) for k, v in msg.items()}, "payload": deep_clone(payload)}
        return True

    def page_event(self, msg: Msg) -> dict[str, Any] | None:
        stored = self.hub.values.get(self.id) if self.hub else None
        rows = stored.get("payload") if isinstance(stored, dict) else None
        return {"value": deep_clone(rows) if isinstance(rows, list) else []}


NODES: list[type[Node]] = [UiText2, UiGauge2, UiTemplate2, UiMarkdown2, UiTable2]
