"""Output widgets: ``ui_text`` (a formatted value), ``ui_gauge`` and ``ui_template`` (the flow
author's own HTML)."""

from __future__ import annotations

import math
from typing import Any

from flowengine.jsutil import js_string
from flowengine.message import PropertyPathError, get_property
from flowengine.node import Node
from flowengine.types import UNDEFINED, Msg

from .help_pages import node_help
from .hub import DashboardHub
from .props import BOOLEAN, NUMBER, js_num, parse_float, prop, widget_schema
from .widget import Widget

__all__ = ["NODES", "UiGauge", "UiTemplate", "UiText"]

_TEXT_LAYOUTS = {"row-spread": ("row", "space-between center"), "row-left": ("row", "start center"),
                 "row-center": ("row", "center center"), "row-right": ("row", "end center"),
                 "col-center": ("column", "center center")}


class UiText(Widget):
    type = "ui_text"
    label = "text"
    color = "rgb(119, 198, 204)"
    icon = "ui_text.png"
    outputs = 0
    emit_only_new_values = False
    schema = widget_schema({
        "label": prop("string", "text", "Label", "Text left of the value; {{msg.topic}} etc. allowed."),
        "format": prop("string", "{{msg.payload}}", "Value format",
                       "How the value is shown: {{msg.payload}}, {{msg.payload | number:1}} °C, {{value}}..."),
        "layout": prop("string", "row-spread", "Layout", "Where label and value sit.", enum=list(_TEXT_LAYOUTS)),
        "style": prop(BOOLEAN, False, "Custom style", "Apply the font, size and colour below."),
        "font": prop("string", "", "Font", "CSS font family (with style on)."),
        "fontSize": prop(NUMBER, 16, "Font size", "In pixels (with style on)."),
        "color": prop("string", "#000", "Colour", "Text colour (with style on)."),
    })
    help = node_help("ui_text")

    def build_control(self) -> dict[str, Any]:
        layout, align = _TEXT_LAYOUTS.get(str(self.config.get("layout") or "row-spread"), _TEXT_LAYOUTS["row-spread"])
        style = ""
        if self.config.get("style"):
            if self.config.get("color"):
                style += f"color: {self.config['color']};"
            if self.config.get("fontSize"):
                style += f"font-size: {self.config['fontSize']}px;"
            if self.config.get("font"):
                style += f"font-family: {self.config['font']};"
        return {"type": "text", "label": self.config.get("label"), "order": self.config.get("order"),
                "format": self.config.get("format"), "width": self.width(), "height": self.height(),
                "layout": layout, "layoutAlign": align, "className": self.config.get("className") or "",
                "style": style}

    def convert(self, payload: Any, old: Any, msg: Msg) -> Any:
        if payload is UNDEFINED or payload is None:
            msg["payload"] = old
            return payload
        if isinstance(payload, bytes | bytearray):
            return bytes(payload).decode("latin-1")
        return js_string(payload)


class UiGauge(Widget):
    type = "ui_gauge"
    label = "gauge"
    color = "rgb(119, 198, 204)"
    icon = "ui_gauge.png"
    outputs = 0
    emit_only_new_values = False
    schema = widget_schema({
        "gtype": prop("string", "gage", "Type", "gage, donut, compass or wave (level).",
                      enum=["gage", "donut", "compass", "wave"]),
        "title": prop("string", "gauge", "Label", "Title above the gauge."),
        "label": prop("string", "units", "Units", "Units under the value."),
        "format": prop("string", "{{value}}", "Value format", "How the value is shown ({{value | number:1}}...)."),
        "min": prop(NUMBER, 0, "Min", "Lowest value of the range."),
        "max": prop(NUMBER, 10, "Max", "Highest value of the range."),
        "colors": prop("array", ["#00B500", "#E6E600", "#CA3838"], "Colour gradient",
                       "Colours of the three sectors."),
        "seg1": prop(NUMBER, "", "Sector 1 end", "Where the first colour ends."),
        "seg2": prop(NUMBER, "", "Sector 2 end", "Where the second colour ends."),
        "diff": prop(BOOLEAN, False, "Differential", "Fill from the centre of the range."),
    })
    help = node_help("ui_gauge")

    def build_control(self) -> dict[str, Any]:
        c = self.config
        lo, hi = parse_float(c.get("min")), parse_float(c.get("max"))
        s1, s2 = parse_float(c.get("seg1")), parse_float(c.get("seg2"))
        gtype = c.get("gtype") or "gage"
        group_width = parse_float(self.group_width)
        auto = _int(group_width * 0.5 + 1.5) or 4
        if gtype == "wave":
            auto = _int(group_width * 0.75 + 0.5)
        elif gtype in ("donut", "compass"):
            auto = _int(group_width - 1)
        height = c.get("height") if c.get("height") not in (None, "0", 0, "") else auto
        return {
            "type": "gauge", "name": self.name, "label": c.get("title"), "units": c.get("label"),
            "order": c.get("order"), "value": c.get("min"), "format": c.get("format"), "gtype": gtype,
            "min": _js(lo if lo < hi else hi), "max": _js(hi if lo < hi else lo),
            "seg1": _js(s1 if s1 < s2 else s2), "seg2": _js(s2 if s1 < s2 else s1), "reverse": hi < lo,
            "hideMinMax": c.get("hideMinMax") or str(c.get("height")) == "1",
            "width": (c.get("width") if c.get("width") not in ("0",) else None) or self.group_width or 6,
            "height": height or 1, "colors": c.get("colors") or ["#00B500", "#E6E600", "#CA3838"],
            "diff": c.get("diff") or False, "className": c.get("className") or "",
        }

    def convert(self, payload: Any, old: Any, msg: Msg) -> Any:
        form = str(self.config.get("format") or "").replace("{{", "").replace("}}", "")
        form = "".join(form.split()) or "_zzz_zzz_zzz_"
        form = form.split("|")[0]
        try:
            value = get_property(msg, form[4:] if form.startswith("msg.") else form)
        except PropertyPathError:
            value = UNDEFINED
        if value is not UNDEFINED:
            number = parse_float(value)
            return value if math.isnan(number) else js_num(number)
        number = parse_float(payload)
        return payload if math.isnan(number) else js_num(number)


class UiTemplate(Widget):
    type = "ui_template"
    label = "template"
    color = "rgb( 63, 173, 181)"
    icon = "ui_template.png"
    emit_only_new_values = False
    schema = widget_schema({
        "format": prop("string", '<div ng-bind-html="msg.payload"></div>', "Template",
                       "The widget's HTML, written by the flow author; {{msg.payload}} shows message values as "
                       "text.", **{"x-widget": "code"}),
        "storeOutMessages": prop(BOOLEAN, True, "Store output as state",
                                 "Messages the template sends are kept as its state."),
        "fwdInMessages": prop(BOOLEAN, True, "Pass through", "Forward input messages to the output."),
        "resendOnRefresh": prop(BOOLEAN, True, "Reload last value",
                                "A page that connects later gets the last message."),
        "templateScope": prop("string", "local", "Template type",
                              "local: a widget in its group; global: added to every page's head.",
                              enum=["local", "global"]),
        "templateFromMsg": prop(BOOLEAN, False, "Template from msg.template",
                                "Accept HTML from msg.template (off: the template comes only from the flow)."),
    })
    help = node_help("ui_template")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.forward_input_messages = bool(config.get("fwdInMessages", True))
        self.store_front_end_input_as_state = bool(config.get("storeOutMessages", True))
        self.persistent_front_end_value = bool(config.get("resendOnRefresh", True))
        self._previous_template: Any = None

    def is_global(self) -> bool:
        return self.config.get("templateScope") == "global"

    def build_control(self) -> dict[str, Any]:
        hub = self.hub
        theme = ((hub.base or {}).get("theme") or {}).get("themeState") if isinstance(hub, DashboardHub) else None
        colours = {k.replace("-", "_"): v.get("value") for k, v in (theme or {}).items() if isinstance(v, dict)}
        return {"type": "template", "order": self.config.get("order"),
                "width": self.config.get("width") or self.group_width or 6,
                "height": _int(parse_float(self.config.get("height") or 0)) or 0,
                "format": self.config.get("format"), "templateScope": self.config.get("templateScope"),
                "theme": colours, "className": self.config.get("className") or ""}

    def before_emit(self, msg: Msg, value: Any) -> dict[str, Any] | None:
        cloned: dict[str, Any] = {"templateScope": self.config.get("templateScope")}
        cloned.update({k: v for k, v in msg.items() if not k.startswith("_") and v is not UNDEFINED})
        if not self.config.get("templateFromMsg"):
            cloned.pop("template", None)  # HTML only from the flow unless the node allows it
        elif isinstance(cloned.get("template"), bytes | bytearray):
            cloned["template"] = bytes(cloned["template"]).decode("utf-8", errors="replace")
        if "template" not in cloned and self._previous_template is not None:
            cloned["template"] = self._previous_template
        if cloned.get("template"):
            self._previous_template = cloned["template"]
        return {"msg": cloned}

    def before_send(self, msg: Msg, original: dict[str, Any] | None = None) -> Msg | None:
        if original is not None and isinstance(original.get("msg"), dict):
            out: Msg = dict(original["msg"])
            out["socketid"] = original.get("socketid")
            return out
        return None


def _int(value: float) -> int:
    return int(value) if math.isfinite(value) else 0


def _js(value: float) -> Any:
    return js_num(value) if math.isfinite(value) else None


NODES: list[type[Node]] = [UiText, UiGauge, UiTemplate]
