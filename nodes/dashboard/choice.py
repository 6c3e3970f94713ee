"""Choosing widgets: ``ui_dropdown`` (options from the node or ``msg.options``), ``ui_form``,
``ui_date_picker`` and ``ui_colour_picker``."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from flowengine.encoding import to_json_text
from flowengine.jsutil import js_string, js_truthy, js_typeof
from flowengine.message import deep_clone
from flowengine.node import Node
from flowengine.types import UNDEFINED, Msg

from .colour import Colour
from .help_pages import node_help
from .props import BOOLEAN, date_ms, js_num, prop, topic_properties, widget_schema
from .widget import Widget

__all__ = ["NODES", "UiColourPicker", "UiDatePicker", "UiDropdown", "UiForm"]


class UiDropdown(Widget):
    type = "ui_dropdown"
    label = "dropdown"
    icon = "ui_dropdown.png"
    schema = widget_schema({
        "label": prop("string", "", "Label", "Text beside the list."),
        "tooltip": prop("string", "", "Tooltip", "Shown when the pointer rests on the list."),
        "place": prop("string", "Select option", "Placeholder", "Shown while nothing is chosen."),
        "passthru": prop(BOOLEAN, True, "Pass through", "Input messages choose an option and are passed on."),
        "multiple": prop(BOOLEAN, False, "Multiple", "Several options may be chosen (payload is an array)."),
        "options": prop("array", [{"value": "", "label": ""}], "Options",
                        "The choices: {label, value, type (str, num, bool)}."),
        "payload": prop({}, "", "Initial value", "Not used by the runtime."),
        **topic_properties(),
    })
    help = node_help("ui_dropdown")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.pt = bool(config.get("passthru"))
        self.forward_input_messages = self.pt
        self.multiple = bool(config.get("multiple") or False)
        self.state: list[Any] = [" ", " "]
        self.emit_options: dict[str, Any] = {"value": UNDEFINED}

    def build_control(self) -> dict[str, Any]:
        c = self.config
        options = [dict(o) for o in c.get("options") or [] if isinstance(o, dict)]
        for o in options:
            o["label"] = o.get("label") or o.get("value")
        return {"type": "dropdown", "multiple": c.get("multiple"), "label": c.get("label"),
                "tooltip": c.get("tooltip"), "place": c.get("place"), "order": c.get("order"),
                "value": c.get("payload") or self.id, "width": self.width(), "height": self.height(),
                "className": c.get("className") or "", "options": options}

    def convert(self, payload: Any, old: Any, msg: Msg) -> Any:
        opts: dict[str, Any] = {"isOptionsValid": False, "value": UNDEFINED, "newOptions": UNDEFINED}
        self.emit_options = opts
        given = msg.get("options")
        if js_truthy(given):
            if isinstance(given, str):
                given = msg["options"] = [given]
            if isinstance(given, list):
                opts["newOptions"] = _options(given)
                if opts["newOptions"]:
                    opts["value"] = None
                if js_truthy(payload):
                    opts["value"] = payload
                opts["isOptionsValid"] = True
        msg["_dontSend"] = True
        if opts["isOptionsValid"]:
            self.control["options"] = opts["newOptions"]
            self.control["value"] = opts["value"]
        elif js_truthy(given):
            self.error("ERR: Invalid Options", msg)
        if msg.get("resetSearch"):
            opts["resetSearch"] = True
        if "payload" in msg:
            if self.multiple and isinstance(msg["payload"], str):
                msg["payload"] = msg["payload"].split(",")
            opts["value"] = msg["payload"]
            self.control["value"] = opts["value"]
            del msg["_dontSend"]
            return opts
        return opts if opts["isOptionsValid"] else UNDEFINED

    def before_emit(self, msg: Msg, value: Any) -> dict[str, Any] | None:
        if msg.get("socketid"):
            self.emit_options["socketid"] = msg["socketid"]
        return self.emit_options

    def convert_back(self, value: Any) -> Any:
        m = deep_clone(value)
        mm = m["value"] if isinstance(m, dict) and "id" in m and "value" in m else m
        result: Any = [] if self.multiple else ""
        for option in self.control.get("options") or []:
            option_json = to_json_text(option.get("value"))
            kind = str(option.get("type") or "str")
            if not self.multiple:
                if option_json == to_json_text(mm):
                    result = _typed(option.get("value"), not kind.startswith("str"))
                    break
                continue
            if mm is None or mm is UNDEFINED:
                continue
            if not isinstance(mm, list):
                mm = mm.get("value") if isinstance(mm, dict) and "value" in mm else mm
                mm = [] if mm is None else [mm]
            for chosen in mm:
                if option_json == to_json_text(chosen):
                    result.append(_typed(option.get("value"), kind != "string"))
                    break
        return result

    def before_send(self, msg: Msg, original: dict[str, Any] | None = None) -> Msg | None:
        if msg.get("payload", UNDEFINED) is UNDEFINED:
            msg["payload"] = []
        if msg["payload"] == "":
            msg["_dontSend"] = True
        if msg.get("_dontSend"):
            msg.pop("options", None)
            msg["payload"] = self.emit_options.get("value", UNDEFINED)
        self.set_topic(msg)
        payload = msg.get("payload", UNDEFINED)
        if payload is None or msg.get("_dontSend"):
            self.status({})
            return None
        if isinstance(payload, list):
            text = f"{len(payload)} items"
        else:
            text = to_json_text(payload) if isinstance(payload, dict) else js_string(payload)
            if len(text) > 32:
                text = text[:31] + "..."
        if self.pt:
            self.status(shape="dot", fill="grey", text=text)
        else:
            self.state[1] = text
            self.status(shape="dot", fill="grey", text=f"{text} | {text}")
        return None

    def input_handled(self, msg: Msg) -> None:
        if not self.pt:
            self.state[0] = msg.get("payload", UNDEFINED)
            self.status(shape="dot", fill="grey", text=f"{js_string(self.state[0])} | {js_string(self.state[1])}")


def _options(given: list[Any]) -> list[dict[str, Any]]:
    """``msg.options`` as the page's option list (Dashboard 1's rules for each kind of entry)."""
    out: list[dict[str, Any]] = []
    for opt in given:
        if isinstance(opt, bool) or opt is None or opt is UNDEFINED:
            continue
        if isinstance(opt, int | float):
            text = js_string(opt)
            out.append({"label": text, "value": text, "type": "number"})
        elif isinstance(opt, str):
            out.append({"label": opt, "value": opt, "type": "string"})
        elif isinstance(opt, dict):
            out.extend({"label": k, "value": v, "type": js_typeof(v)} for k, v in opt.items())
    return out


def _typed(value: Any, parse: bool) -> Any:
    if parse and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class UiForm(Widget):
    type = "ui_form"
    label = "form"
    icon = "ui_form.png"
    schema = widget_schema({
        "label": prop("string", "", "Label", "Title of the form."),
        "options": prop("array", [{"value": "", "label": "", "type": "", "required": True}], "Fields",
                        "The form's fields: {label, value (the key), type, required, rows}."),
        "formValue": prop("object", {}, "Initial values", "Value of each field when the form is reset."),
        "payload": prop({}, "", "Payload", "Not used by the runtime."),
        "submit": prop("string", "submit", "Submit label", "Text of the submit button."),
        "cancel": prop("string", "cancel", "Cancel label", "Text of the cancel button."),
        "splitLayout": prop(BOOLEAN, "", "Two columns", "Lay the fields out in two columns."),
        **topic_properties(),
    })
    help = node_help("ui_form")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.forward_input_messages = False
        self.store_front_end_input_as_state = False

    def build_control(self) -> dict[str, Any]:
        c = self.config
        fields = c.get("options") or []
        # Dashboard 1's precedence: (height || splitLayout == true) ? half the fields : all of them
        halve = c.get("height") or c.get("splitLayout") in (True, "true")
        rows = math.ceil(len(fields) / 2) if halve else len(fields)
        return {"type": "form", "label": c.get("label"), "order": c.get("order"), "value": c.get("payload") or self.id,
                "width": self.width(), "height": rows, "options": fields, "formValue": c.get("formValue") or {},
                "submit": c.get("submit"), "cancel": c.get("cancel"), "splitLayout": c.get("splitLayout") or False,
                "sy": 48, "cy": 6, "className": c.get("className") or ""}

    def before_send(self, msg: Msg, original: dict[str, Any] | None = None) -> Msg | None:
        self.set_topic(msg)
        return None


class UiDatePicker(Widget):
    type = "ui_date_picker"
    label = "date picker"
    icon = "ui_date_picker.png"
    emit_only_new_values = False
    schema = widget_schema({
        "label": prop("string", "date", "Label", "Text beside the date."),
        "passthru": prop(BOOLEAN, True, "Pass through", "Input messages set the date and are passed on."),
        **topic_properties(),
    })
    help = node_help("ui_date_picker")

    def build_control(self) -> dict[str, Any]:
        today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return {"type": "date-picker", "label": self.config.get("label"), "order": self.config.get("order"),
                "ddd": int(today.timestamp() * 1000), "width": self.width(), "height": self.height(),
                "className": self.config.get("className") or ""}

    def convert(self, payload: Any, old: Any, msg: Msg) -> Any:
        self.control["ddd"] = _iso(date_ms(payload))
        return payload

    def before_emit(self, msg: Msg, value: Any) -> dict[str, Any] | None:
        if value is UNDEFINED:
            return None
        return {"msg": msg, "value": _iso(date_ms(value))}

    def convert_back(self, value: Any) -> Any:
        return js_num(date_ms(value))

    def before_send(self, msg: Msg, original: dict[str, Any] | None = None) -> Msg | None:
        self.set_topic(msg)
        return None


def _iso(ms: float) -> str | None:
    """A JavaScript Date as JSON writes it (null for an invalid date)."""
    if math.isnan(ms) or math.isinf(ms):
        return None
    when = dt.datetime.fromtimestamp(ms / 1000, dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


class UiColourPicker(Widget):
    type = "ui_colour_picker"
    label = "colour picker"
    icon = "ui_colour_picker.png"
    schema = widget_schema({
        "label": prop("string", "", "Label", "Text beside the colour."),
        "format": prop("string", "hex", "Format", "How colours are written.",
                       enum=["hex", "hex8", "hsl", "hsv", "rgb"]),
        "outformat": prop("string", "string", "Payload", "A string or an object ({r,g,b,a} ...).",
                          enum=["string", "object"]),
        "showSwatch": prop(BOOLEAN, True, "Swatch", "Show the colour swatch."),
        "showPicker": prop(BOOLEAN, False, "Always show picker", "Keep the picker open."),
        "showValue": prop(BOOLEAN, False, "Show value", "Show the colour's text."),
        "showHue": prop(BOOLEAN, False, "Hue slider", "Show a hue slider."),
        "showAlpha": prop(BOOLEAN, False, "Alpha slider", "Show an opacity slider."),
        "showLightness": prop(BOOLEAN, True, "Lightness slider", "Show a lightness slider."),
        "square": prop(BOOLEAN, "false", "Square", "Square instead of round swatch."),
        "dynOutput": prop(BOOLEAN, "false", "Send while editing", "Send values while the colour changes."),
        "passthru": prop(BOOLEAN, True, "Pass through", "Input messages set the colour and are passed on."),
        **topic_properties(),
    })
    help = node_help("ui_colour_picker")

    def build_control(self) -> dict[str, Any]:
        c = self.config
        keys = ("format", "showPicker", "showSwatch", "showValue", "showHue", "showAlpha", "showLightness",
                "dynOutput")
        return {"type": "colour-picker", "label": c.get("label"), **{k: c.get(k) for k in keys},
                "square": c.get("square") == "true", "allowEmpty": True, "order": c.get("order"), "value": "",
                "width": self.width(), "height": self.height(), "className": c.get("className") or ""}

    def convert(self, payload: Any, old: Any, msg: Msg) -> Any:
        value = msg.get("payload", UNDEFINED)
        if value is UNDEFINED or value is None:
            return UNDEFINED
        return Colour.parse(value).to_string(str(self.config.get("format") or "hex"))

    def before_send(self, msg: Msg, original: dict[str, Any] | None = None) -> Msg | None:
        fmt = str(self.config.get("format") or "hex")
        if self.config.get("outformat") == "object" and fmt in ("rgb", "hsl", "hsv"):
            msg["payload"] = Colour.parse(msg.get("payload")).to_object(fmt)
        self.set_topic(msg)
        return None


NODES: list[type[Node]] = [UiDropdown, UiForm, UiDatePicker, UiColourPicker]
