"""Dashboard 2's input widgets: ``ui-button``, ``ui-button-group``, ``ui-radio-group``, ``ui-switch``,
``ui-slider`` and ``ui-spacer`` (the text, number, dropdown and form fields are in ``d2_fields``).

Operated on the page they send Dashboard 2's messages: a button a new message with its payload
(``msg._event`` says how it was pressed); the others the widget's stored message with the new
``payload`` (and the widget's topic), shown on every other page too.
"""

from __future__ import annotations

import math
import time
from typing import Any, ClassVar

from flowengine.encoding import to_json_text
from flowengine.jsutil import js_string
from flowengine.node import Node
from flowengine.types import UNDEFINED, Msg, Send

from .d2_widget import D2Widget, d2_schema
from .help_pages import node_help
from .props import BOOLEAN, NULLABLE_NUMBER, js_num, parse_float, prop, topic_properties

__all__ = ["NODES", "UiButton2", "UiButtonGroup2", "UiRadioGroup2", "UiSlider2",
           "UiSpacer2", "UiSwitch2"]

VALUE_TYPES = ["str", "num", "bool", "json", "bin", "date", "flow", "global", "env", "msg", "jsonata"]


def _evaluate(node: Node, value: Any, kind: Any) -> Any:
    kind = str(kind or "str")
    if kind == "date":
        return time.time_ns() // 1_000_000
    if kind == "num":
        n = parse_float(value)
        return js_num(n) if not math.isnan(n) else n
    return node.evaluate(value, kind)


class UiButton2(D2Widget):
    type = "ui-button"
    label = "button"
    icon = "font-awesome/fa-hand-pointer-o"
    page_kind = "action"
    updatable = ("label", "icon", "iconPosition", "buttonColor", "textColor", "iconColor")
    schema = d2_schema({
        "label": prop("string", "button", "Label", "Text on the button."),
        "tooltip": prop("string", "", "Tooltip", "Shown when the pointer rests on it."),
        "icon": prop("string", "", "Icon", "Material Design icon name."),
        "iconPosition": prop("string", "left", "Icon position", "left or right.", enum=["left", "right"]),
        "buttonColor": prop("string", "", "Colour", "Button colour."),
        "textColor": prop("string", "", "Text colour", "Label colour."),
        "iconColor": prop("string", "", "Icon colour", "Icon colour."),
        "payload": prop({}, "", "Payload", "What a click sends."),
        "payloadType": prop("string", "str", "Payload type", "How the payload is read.", enum=VALUE_TYPES),
        "emulateClick": prop(BOOLEAN, False, "Emulate click", "An input message clicks the button."),
        "enableClick": prop(BOOLEAN, True, "Click event", "A click sends the payload."),
        "enablePointerdown": prop(BOOLEAN, False, "Pointer down", "Pressing sends pointerdownPayload."),
        "pointerdownPayload": prop({}, "", "Pointer down payload", "Sent when the button is pressed."),
        "pointerdownPayloadType": prop("string", "str", "Type", "How it is read.", enum=VALUE_TYPES),
        "enablePointerup": prop(BOOLEAN, False, "Pointer up", "Releasing sends pointerupPayload."),
        "pointerupPayload": prop({}, "", "Pointer up payload", "Sent when the button is released."),
        "pointerupPayloadType": prop("string", "str", "Type", "How it is read.", enum=VALUE_TYPES),
        **topic_properties(),
    })
    help = node_help("ui-button")

    def build_control(self) -> dict[str, Any]:
        c = self.config
        return {"type": "button", "label": c.get("label"), "tooltip": c.get("tooltip"), "icon": c.get("icon"),
                "color": c.get("textColor") or c.get("color"), "bgcolor": c.get("buttonColor") or c.get("bgcolor"),
                "order": c.get("order"), "value": "", "width": self.width(3), "height": self.height(),
                "className": c.get("className") or ""}

    def map_update(self, changed: dict[str, Any]) -> dict[str, Any]:
        names = {"buttonColor": "bgcolor", "textColor": "color"}
        return {names.get(k, k): v for k, v in changed.items()}

    def before_send(self, msg: Msg) -> Msg | None:
        given = msg.get("_event")
        event: dict[str, Any] = given if isinstance(given, dict) else {"type": "inject"}
        msg["_event"] = event
        kind = event.get("type")
        prefix = kind if kind in ("pointerup", "pointerdown") else ""
        payload, payload_type = self.config.get(f"{prefix}Payload" if prefix else "payload"), self.config.get(
            f"{prefix}PayloadType" if prefix else "payloadType")
        try:
            msg["payload"] = _evaluate(self, payload, payload_type)
        except Exception as exc:
            self.error("Badly formatted buffer" if payload_type == "bin" else exc)
            return None
        self.apply_ui_update(msg)
        return msg

    def page_value(self, value: Any) -> Any:
        return UNDEFINED

    def _page_input(self, event: dict[str, Any]) -> None:
        given = event.get("event")
        super()._page_input({**event, "event": {"type": "click", **(given if isinstance(given, dict) else {})}})

    def handle_input(self, msg: Msg, send: Send) -> bool:
        if self.config.get("emulateClick") in (True, "true") and self.config.get("enableClick") is not False:
            if self.config.get("topic") or self.config.get("topicType"):
                self.append_topic(msg)
            send(msg)
        return True

    def page_event(self, msg: Msg) -> dict[str, Any] | None:
        return None


class UiButtonGroup2(D2Widget):
    type = "ui-button-group"
    label = "button group"
    icon = "font-awesome/fa-th-large"
    updatable: ClassVar[tuple[str, ...]] = ("options", "label")
    schema = d2_schema({
        "label": prop("string", "", "Label", "Text above the buttons."),
        "options": prop("array", [], "Options", "Each {label, icon, value, valueType, color}."),
        "rounded": prop(BOOLEAN, True, "Rounded", "Rounded corners."),
        "useThemeColors": prop(BOOLEAN, True, "Theme colours", "Use the theme's colours."),
        "passthru": prop(BOOLEAN, False, "Pass through", "Forward input messages."),
        **topic_properties(),
    })
    help = node_help("ui-button-group")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.options: list[dict[str, Any]] = []
        for option in config.get("options") or []:
            if isinstance(option, dict):
                self.options.append({**option, "value": _evaluate(self, option.get("value"), option.get("valueType"))})

    def build_control(self) -> dict[str, Any]:
        return {"type": "button-group", "label": self.config.get("label") or "", "order": self.config.get("order"),
                "options": self.options, "width": self.width(3),
                "height": self.height(2 if self.config.get("label") else 1),
                "value": None, "className": self.config.get("className") or ""}

    def before_send(self, msg: Msg) -> Msg | None:
        if "payload" in msg:
            chosen = next((o for o in self.options if to_json_text(o.get("value")) == to_json_text(msg["payload"])),
                          None)
            if chosen is not None:
                self.status(fill="blue", shape="dot", text=js_string(chosen.get("label") or chosen.get("value")))
        self.apply_ui_update(msg)
        return msg


class UiRadioGroup2(UiButtonGroup2):
    type = "ui-radio-group"
    label = "radio group"
    icon = "font-awesome/fa-dot-circle-o"
    updatable = ("options", "label", "columns")
    schema = d2_schema({
        "label": prop("string", "Select Option:", "Label", "Text above the choices."),
        "columns": prop(NULLABLE_NUMBER, 1, "Columns", "Choices per row."),
        "options": prop("array", [{"value": "", "label": ""}], "Options", "Each {label, value}."),
        "passthru": prop(BOOLEAN, False, "Pass through", "Forward input messages."),
        "payload": prop({}, "", "Payload", "Not used."),
        **topic_properties(),
    })
    help = node_help("ui-radio-group")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, {**config, "options": [{**o, "valueType": o.get("valueType") or "str"}
                                                      for o in config.get("options") or [] if isinstance(o, dict)]},
                         credentials)

    def before_send(self, msg: Msg) -> Msg | None:
        super().before_send(msg)
        self.append_topic(msg)
        return msg


class UiSwitch2(D2Widget):
    type = "ui-switch"
    label = "switch"
    icon = "ui_switch.png"
    updatable = ("label", "oncolor", "offcolor", "onicon", "officon", "layout")
    schema = d2_schema({
        "label": prop("string", "switch", "Label", "Text beside the switch."),
        "passthru": prop(BOOLEAN, False, "Pass through", "Input messages set it and are passed on."),
        "decouple": prop(BOOLEAN, False, "Decouple", "The page's change is sent but not kept as state."),
        "layout": prop("string", "row-spread", "Layout", "Where the label sits."),
        "clickableArea": prop("string", "switch", "Clickable area", "switch, label or line."),
        "onvalue": prop({}, True, "On payload", "Sent when turned on."),
        "onvalueType": prop("string", "bool", "Type", "How it is read.", enum=VALUE_TYPES),
        "offvalue": prop({}, False, "Off payload", "Sent when turned off."),
        "offvalueType": prop("string", "bool", "Type", "How it is read.", enum=VALUE_TYPES),
        "onicon": prop("string", "", "On icon", "Icon when on."),
        "oncolor": prop("string", "", "On colour", "Colour when on."),
        "officon": prop("string", "", "Off icon", "Icon when off."),
        "offcolor": prop("string", "", "Off colour", "Colour when off."),
        **topic_properties(),
    })
    help = node_help("ui-switch")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.on = _evaluate(self, config.get("onvalue"), config.get("onvalueType") or "str")
        self.off = _evaluate(self, config.get("offvalue"), config.get("offvalueType") or "str")

    def build_control(self) -> dict[str, Any]:
        c = self.config
        return {"type": "switch", "label": c.get("label"), "order": c.get("order"), "value": False,
                "onicon": c.get("onicon"), "officon": c.get("officon"), "oncolor": c.get("oncolor"),
                "offcolor": c.get("offcolor"), "width": self.width(), "height": self.height(),
                "className": c.get("className") or ""}

    def before_send(self, msg: Msg) -> Msg | None:
        self.apply_ui_update(msg)
        self.append_topic(msg)
        return msg

    def _is_on(self, value: Any) -> bool:
        return value is True or to_json_text(value) == to_json_text(self.on)

    def handle_input(self, msg: Msg, send: Send) -> bool:
        payload = msg.get("payload", UNDEFINED)
        if payload is not UNDEFINED:
            if self._is_on(payload):
                msg["payload"] = self.on
            elif payload is False or to_json_text(payload) == to_json_text(self.off):
                msg["payload"] = self.off
            else:
                self.warn("Invalid payload value")
                msg["_d2_invalid"] = True
                return True
            on = self._is_on(msg["payload"])
            self.status(fill="green" if on else "red", shape="ring", text="on" if on else "off")
        self.store(msg)
        if self.config.get("passthru") in (True, "true"):
            send(msg)
        return True

    def page_value(self, value: Any) -> Any:
        return self.on if value else self.off

    def page_event(self, msg: Msg) -> dict[str, Any] | None:
        if msg.pop("_d2_invalid", False) or "payload" not in msg:
            return None
        return {"value": self._is_on(msg["payload"])}


class UiSlider2(D2Widget):
    type = "ui-slider"
    label = "slider"
    icon = "ui_slider.png"
    updatable = ("label", "min", "max", "step")
    schema = d2_schema({
        "label": prop("string", "slider", "Label", "Text beside the slider."),
        "tooltip": prop("string", "", "Tooltip", "Shown when the pointer rests on it."),
        "passthru": prop(BOOLEAN, False, "Pass through", "Input messages move it and are passed on."),
        "min": prop(NULLABLE_NUMBER, 0, "Min", "Lowest value."),
        "max": prop(NULLABLE_NUMBER, 10, "Max", "Highest value."),
        "step": prop(NULLABLE_NUMBER, 1, "Step", "Increment."),
        "thumbLabel": prop(BOOLEAN, True, "Thumb label", "Show the value on the handle."),
        "showTicks": prop(BOOLEAN, "always", "Ticks", "Show the steps."),
        **topic_properties(),
    })
    help = node_help("ui-slider")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.state: list[Any] = [" ", " "]
        self._wires = sum(len(port) for port in self.wires)

    def build_control(self) -> dict[str, Any]:
        c = self.config
        lo, hi, step = parse_float(c.get("min")), parse_float(c.get("max")), parse_float(c.get("step"))
        return {"type": "slider", "label": c.get("label"), "tooltip": c.get("tooltip"), "order": c.get("order"),
                "min": js_num(lo if not math.isnan(lo) else 0), "max": js_num(hi if not math.isnan(hi) else 10),
                "step": js_num(abs(step)) if step and not math.isnan(step) else 1, "value": c.get("min"),
                "outs": "all", "width": self.width(), "height": self.height(), "className": c.get("className") or ""}

    def before_send(self, msg: Msg) -> Msg | None:
        payload = msg.get("payload", UNDEFINED)
        if payload is not UNDEFINED:
            if self.config.get("passthru") not in (True, "true"):
                self.state[0] = payload
                self.status(shape="dot", fill="grey", text=f"{js_string(self.state[0])} | {js_string(self.state[1])}")
            elif not self._wires:
                self.status(shape="dot", fill="grey", text=js_string(payload))
        self.apply_ui_update(msg)
        return msg

    def page_value(self, value: Any) -> Any:
        n = parse_float(value)
        return value if math.isnan(n) else js_num(n)


class UiSpacer2(D2Widget):
    type = "ui-spacer"
    label = "spacer"
    icon = "font-awesome/fa-square-o"
    inputs = 0
    outputs = 0
    schema = d2_schema({})
    help = node_help("ui-spacer")

    def build_control(self) -> dict[str, Any]:
        return {"type": "spacer", "order": self.config.get("order"), "width": self.width(1),
                "height": self.height(), "className": self.config.get("className") or ""}


NODES: list[type[Node]] = [UiButton2, UiButtonGroup2, UiRadioGroup2, UiSwitch2, UiSlider2, UiSpacer2]
