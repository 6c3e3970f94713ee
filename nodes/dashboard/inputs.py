"""Input widgets: ``ui_button``, ``ui_switch``, ``ui_slider``, ``ui_numeric`` and ``ui_text_input``.

Each sends a message when operated on the page and shows the value of the messages it receives
(passing them on when *passthru* is set), with Dashboard 1's topics and node statuses.
"""

from __future__ import annotations

import math
import time
from typing import Any

from flowengine.jsutil import js_string, to_number
from flowengine.message import PropertyPathError, parse_path
from flowengine.node import Node
from flowengine.types import UNDEFINED, Msg

from .help_pages import node_help
from .props import BOOLEAN, NUMBER, date_ms, js_num, parse_float, prop, same_value, topic_properties, widget_schema
from .widget import Widget

__all__ = ["NODES", "UiButton", "UiNumeric", "UiSlider", "UiSwitch", "UiTextInput", "to_float"]

VALUE_TYPES = ["str", "num", "bool", "json", "bin", "date", "flow", "global", "env", "msg", "jsonata"]


def valid_context_path(value: Any) -> bool:
    try:
        return bool(parse_path(str(value)))
    except (PropertyPathError, ValueError):
        return False


def to_float(widget: Widget, value: Any, step: Any = None) -> Any:
    """Dashboard 1's ``ui.toFloat``: a number (rounded to ``step``), the node's min when not one."""
    if value is UNDEFINED or value is None:
        return UNDEFINED
    n = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else parse_float(
        js_string(value))
    s = to_number(step) if step not in (None, UNDEFINED, "") else 0
    if s and not math.isnan(n) and isinstance(s, int | float) and not math.isnan(s):
        n = round(round(n / s) * s * 10000) / 10000
    return widget.config.get("min") if math.isnan(n) else js_num(n)


class UiButton(Widget):
    type = "ui_button"
    label = "button"
    icon = "ui_button.png"
    emit_only_new_values = False
    schema = widget_schema({
        "label": prop("string", "button", "Label", "Text on the button; {{msg.x}} allowed."),
        "tooltip": prop("string", "", "Tooltip", "Shown when the pointer rests on the button."),
        "color": prop("string", "", "Text colour", "CSS colour of the label."),
        "bgcolor": prop("string", "", "Background", "CSS colour of the button."),
        "icon": prop("string", "", "Icon", "Material Design or Font Awesome icon name."),
        "passthru": prop(BOOLEAN, False, "Pass through", "An input message presses the button."),
        "payload": prop({}, "", "Payload", "What a press sends (empty: the node id)."),
        "payloadType": prop("string", "str", "Payload type", "How the payload is read.", enum=VALUE_TYPES),
        **topic_properties(),
    })
    help = node_help("ui_button")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.forward_input_messages = bool(config.get("passthru") or False)
        self.store_front_end_input_as_state = False
        self.payload_type = config.get("payloadType") or "str"
        self.payload = config.get("payload")
        if self.payload_type in ("flow", "global"):
            if not valid_context_path(self.payload):
                self.warn("Invalid payload property expression - defaulting to node id")
                self.payload, self.payload_type = self.id, "str"
        elif self.payload in (None, "", 0, False):
            self.payload = self.id

    def build_control(self) -> dict[str, Any]:
        c = self.config
        return {"type": "button", "label": c.get("label"), "tooltip": c.get("tooltip"), "color": c.get("color"),
                "bgcolor": c.get("bgcolor"), "className": c.get("className"), "icon": c.get("icon"),
                "order": c.get("order"), "value": self.payload, "format": c.get("bgcolor"),
                "width": self.width(3), "height": self.height()}

    def input_received(self, msg: Msg) -> None:
        try:
            self.topi = self.evaluate(self.config.get("topic"), self.config.get("topicType") or "str", msg)
        except Exception:  # Dashboard 1 ignores a topic it cannot evaluate
            self.topi = UNDEFINED

    def convert_back(self, value: Any) -> Any:
        if self.payload_type == "date":
            return time.time_ns() // 1_000_000
        try:
            return self.evaluate(self.payload, self.payload_type)
        except Exception as exc:
            self.error("Badly formatted buffer" if self.payload_type == "bin" else exc)
            return value

    def before_send(self, msg: Msg, original: dict[str, Any] | None = None) -> Msg | None:
        topic_type = self.config.get("topicType") or "str"
        try:
            topic = self.evaluate(self.config.get("topic"), topic_type, msg)
        except Exception:  # as Dashboard 1: no topic when it cannot be evaluated
            topic = UNDEFINED
        if topic is UNDEFINED:
            topic = self.topi
        if topic is not UNDEFINED:
            msg["topic"] = topic
        if topic_type == "str" and topic == "":
            msg.pop("topic", None)
        if original is not None:
            msg["event"] = original.get("event", UNDEFINED)
        return None


class UiSwitch(Widget):
    type = "ui_switch"
    label = "switch"
    icon = "ui_switch.png"
    emit_only_new_values = False
    schema = widget_schema({
        "label": prop("string", "switch", "Label", "Text beside the switch."),
        "tooltip": prop("string", "", "Tooltip", "Shown when the pointer rests on the switch."),
        "passthru": prop(BOOLEAN, True, "Pass through", "Input messages set the switch and are passed on."),
        "decouple": prop(BOOLEAN, "false", "Indicator",
                         "\"false\": the switch shows its output's state; \"true\": it shows the input's."),
        "style": prop("string", "", "Style", "Empty: a toggle; with icons the toggle is replaced by them."),
        "onvalue": prop({}, True, "On payload", "What the switch sends when turned on."),
        "onvalueType": prop("string", "bool", "On payload type", "How the on payload is read.", enum=VALUE_TYPES),
        "onicon": prop("string", "", "On icon", "Icon shown when on."),
        "oncolor": prop("string", "", "On colour", "Icon colour when on."),
        "offvalue": prop({}, False, "Off payload", "What the switch sends when turned off."),
        "offvalueType": prop("string", "bool", "Off payload type", "How the off payload is read.",
                             enum=VALUE_TYPES),
        "officon": prop("string", "", "Off icon", "Icon shown when off."),
        "offcolor": prop("string", "", "Off colour", "Icon colour when off."),
        "animate": prop(BOOLEAN, False, "Animate", "Flip the icon when it changes."),
        **topic_properties(),
    })
    help = node_help("ui_switch")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.pt = bool(config.get("passthru"))
        self.forward_input_messages = self.pt
        # Dashboard 1's naming: node.decouple is true when the "decouple" option is NOT "true"
        self.decouple = config.get("decouple") != "true"
        self.store_front_end_input_as_state = config.get("decouple") != "true"
        self.state = ["off", " "]
        self.on_value, self.on_type = self._value("onvalue", True)
        self.off_value, self.off_type = self._value("offvalue", False)

    def _value(self, key: str, fallback: bool) -> tuple[Any, str]:
        value, vtype = self.config.get(key), self.config.get(key + "Type") or "str"
        if vtype in ("flow", "global") and not valid_context_path(value):
            self.warn(f"Invalid {key} property expression - defaulting to {js_string(fallback)}")
            return fallback, "bool"
        return value, vtype

    def _evaluate(self, value: Any, vtype: str) -> Any:
        return time.time_ns() // 1_000_000 if vtype == "date" else self.evaluate(value, vtype)

    def build_control(self) -> dict[str, Any]:
        c = self.config
        return {"type": "switch" + ("-" + c["style"] if c.get("style") else ""), "label": c.get("label"),
                "tooltip": c.get("tooltip"), "order": c.get("order"), "value": False, "onicon": c.get("onicon"),
                "officon": c.get("officon"), "oncolor": c.get("oncolor"), "offcolor": c.get("offcolor"),
                "animate": "flip-icon" if c.get("animate") else "", "width": self.width(),
                "height": self.height(), "className": c.get("className") or ""}

    def convert(self, payload: Any, old: Any, msg: Msg) -> Any:
        on = self._evaluate(self.on_value, self.on_type)
        off = self._evaluate(self.off_value, self.off_type)
        if not self.forward_input_messages and self.store_front_end_input_as_state:
            return on is old or old is True or (on == old and type(on) is type(old) and not isinstance(on, dict | list))
        if same_value(on, msg.get("payload", UNDEFINED)):
            self.state[0] = "on"
            return True
        if same_value(off, msg.get("payload", UNDEFINED)):
            self.state[0] = "off"
            return False
        return old

    def convert_back(self, value: Any) -> Any:
        on = bool(value) and value is not UNDEFINED
        self.state[1] = "on" if on else "off"
        if self.pt:
            self.status(fill="green" if on else "red", shape="dot" if on else "ring", text="on" if on else "off")
        else:
            lit = (self.state[1] if self.decouple else self.state[0]) == "on"
            text = (f"{self.state[0]} | {self.state[1].upper()}" if self.decouple
                    else f"{self.state[0].upper()} | {self.state[1]}")
            self.status(fill="green" if lit else "red", shape="dot" if lit else "ring", text=text)
        payload, vtype = (self.on_value, self.on_type) if on else (self.off_value, self.off_type)
        try:
            return self._evaluate(payload, vtype)
        except Exception as exc:
            self.error("Badly formatted buffer" if vtype == "bin" else exc)
            return value

    def before_send(self, msg: Msg, original: dict[str, Any] | None = None) -> Msg | None:
        self.set_topic(msg)
        return None

    def input_handled(self, msg: Msg) -> None:
        if self.pt:
            return
        lit = self.state[0] == "on"
        text = (f"{self.state[0]} | {self.state[1].upper()}" if self.decouple
                else f"{self.state[0].upper()} | {self.state[1]}")
        self.status(fill="green" if lit else "red", shape="dot" if lit else "ring", text=text)


class UiSlider(Widget):
    type = "ui_slider"
    label = "slider"
    icon = "ui_slider.png"
    schema = widget_schema({
        "label": prop("string", "slider", "Label", "Text beside the slider."),
        "tooltip": prop("string", "", "Tooltip", "Shown when the pointer rests on the slider."),
        "passthru": prop(BOOLEAN, True, "Pass through", "Input messages move the slider and are passed on."),
        "outs": prop("string", "all", "Output", "all: while sliding; end: on release.", enum=["all", "end"]),
        "min": prop(NUMBER, 0, "Min", "Lowest value."),
        "max": prop(NUMBER, 10, "Max", "Highest value."),
        "step": prop(NUMBER, 1, "Step", "Increment."),
        **topic_properties(),
    })
    help = node_help("ui_slider")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.pt = bool(config.get("passthru"))
        self.forward_input_messages = self.pt
        self.state: list[Any] = [" ", " "]

    def build_control(self) -> dict[str, Any]:
        c = self.config
        lo, hi = to_number(c.get("min")), to_number(c.get("max"))
        control = {"type": "slider", "label": c.get("label"), "tooltip": c.get("tooltip"), "order": c.get("order"),
                   "value": c.get("min"), "min": js_num(float(min(lo, hi))), "max": js_num(float(max(lo, hi))),
                   "step": abs(to_number(c.get("step"))) or 1, "outs": c.get("outs") or "all",
                   "width": self.width(), "height": self.height(), "className": c.get("className") or ""}
        if parse_float(c.get("min")) > parse_float(c.get("max")):
            control["invert"] = True
        return control

    def convert(self, payload: Any, old: Any, msg: Msg) -> Any:
        return to_float(self, payload, self.control.get("step"))

    def before_send(self, msg: Msg, original: dict[str, Any] | None = None) -> Msg | None:
        self.set_topic(msg)
        self._show(msg.get("payload"))
        return None

    def _show(self, payload: Any) -> None:
        if self.pt:
            self.status(shape="dot", fill="grey", text=js_string(payload))
        else:
            self.state[1] = payload
            self.status(shape="dot", fill="grey", text=f"{js_string(self.state[1])} | {js_string(self.state[1])}")

    def input_handled(self, msg: Msg) -> None:
        if not self.pt:
            self.state[0] = msg.get("payload", UNDEFINED)
            self.status(shape="dot", fill="grey", text=f"{js_string(self.state[0])} | {js_string(self.state[1])}")
        elif not self._wire_count:
            self.status(shape="dot", fill="grey", text=js_string(msg.get("payload", UNDEFINED)))


class UiNumeric(UiSlider):
    type = "ui_numeric"
    label = "numeric"
    icon = "ui_numeric.png"
    schema = widget_schema({
        "label": prop("string", "numeric", "Label", "Text beside the number."),
        "tooltip": prop("string", "", "Tooltip", "Shown when the pointer rests on the widget."),
        "passthru": prop(BOOLEAN, True, "Pass through", "Input messages set the number and are passed on."),
        "wrap": prop(BOOLEAN, False, "Wrap", "Going past max starts at min again (and the other way)."),
        "format": prop("string", "{{value}}", "Value format", "How the number is shown."),
        "min": prop(NUMBER, 0, "Min", "Lowest value."),
        "max": prop(NUMBER, 10, "Max", "Highest value."),
        "step": prop(NUMBER, 1, "Step", "Increment of the up/down buttons."),
        **topic_properties(),
    })
    help = node_help("ui_numeric")

    def build_control(self) -> dict[str, Any]:
        c = self.config
        fmt = str(c.get("format") or "")
        return {"type": "numeric", "label": c.get("label"), "tooltip": c.get("tooltip"), "order": c.get("order"),
                "format": c.get("format"), "pre": fmt.split("{{")[0], "post": [*fmt.split("}}"), ""][1],
                "value": _num(c.get("min")), "min": _num(c.get("min")), "max": _num(c.get("max")),
                "step": _num(c.get("step") or 1), "wrap": c.get("wrap") or False, "width": self.width(),
                "height": self.height(), "ed": "value" not in fmt, "className": c.get("className") or ""}

    def before_send(self, msg: Msg, original: dict[str, Any] | None = None) -> Msg | None:
        msg["payload"] = js_num(parse_float(msg.get("payload")))
        return super().before_send(msg, original)


class UiTextInput(Widget):
    type = "ui_text_input"
    label = "text input"
    icon = "ui_text.png"
    schema = widget_schema({
        "label": prop("string", "", "Label", "Placeholder/label of the field."),
        "tooltip": prop("string", "", "Tooltip", "Shown when the pointer rests on the field."),
        "passthru": prop(BOOLEAN, True, "Pass through", "Input messages set the text and are passed on."),
        "mode": prop("string", "text", "Mode", "The kind of field.",
                     enum=["text", "email", "password", "number", "tel", "color", "date", "time", "week",
                           "month", "datetime-local"]),
        "delay": prop(NUMBER, 300, "Delay (ms)", "Send this long after typing stops; 0: on Enter or Tab."),
        "sendOnBlur": prop(BOOLEAN, True, "Send on blur", "With delay 0, leaving the field sends it too."),
        **topic_properties(),
    })
    help = node_help("ui_text_input")

    def build_control(self) -> dict[str, Any]:
        c = self.config
        return {"type": "text-input-CR" if to_number(c.get("delay", 300)) <= 0 else "text-input",
                "label": c.get("label"), "tooltip": c.get("tooltip"), "mode": c.get("mode"), "delay": c.get("delay"),
                "order": c.get("order"), "className": c.get("className") or "", "value": "",
                "width": self.width(), "height": self.height(), "sendOnBlur": c.get("sendOnBlur")}

    def before_send(self, msg: Msg, original: dict[str, Any] | None = None) -> Msg | None:
        if "time" in str(self.config.get("mode") or "") and isinstance(msg.get("payload"), str):
            msg["payload"] = js_num(date_ms(msg["payload"]))
        self.set_topic(msg)
        return None


def _num(value: Any) -> Any:
    n = to_number(value)
    return None if isinstance(n, float) and math.isnan(n) else n


NODES: list[type[Node]] = [UiButton, UiSwitch, UiSlider, UiNumeric, UiTextInput]
