"""Dashboard 2's field widgets: ``ui-text-input``, ``ui-number-input``, ``ui-dropdown`` and
``ui-form``. Operated on the page they send the widget's stored message with the new ``payload``
(a form: a new message with the fields by key), drawn by the page's text input, numeric, dropdown
and form widgets."""

from __future__ import annotations

import json
import math
from typing import Any

from flowengine.jsutil import js_string
from flowengine.node import Node
from flowengine.types import Msg

from .d2_widget import D2Widget, d2_schema
from .help_pages import node_help
from .props import BOOLEAN, NULLABLE_NUMBER, js_num, parse_float, prop, topic_properties

__all__ = ["NODES", "UiDropdown2", "UiForm2", "UiNumberInput2", "UiTextInput2"]


class UiTextInput2(D2Widget):
    type = "ui-text-input"
    label = "text input"
    icon = "ui_text.png"
    updatable = ("label", "mode", "clearable", "icon")
    schema = d2_schema({
        "label": prop("string", "text", "Label", "The field's label."),
        "tooltip": prop("string", "", "Tooltip", "Shown when the pointer rests on it."),
        "mode": prop("string", "text", "Mode", "The kind of field.",
                     enum=["text", "textarea", "password", "email", "number", "tel", "color", "date", "time",
                           "week", "month", "datetime-local"]),
        "delay": prop(NULLABLE_NUMBER, 300, "Delay (ms)", "With send on delay: send this long after typing stops."),
        "passthru": prop(BOOLEAN, True, "Pass through", "Input messages set the text and are passed on."),
        "sendOnDelay": prop(BOOLEAN, False, "Send on delay", "Send while typing (after the delay)."),
        "sendOnBlur": prop(BOOLEAN, True, "Send on blur", "Send when the field is left."),
        "sendOnEnter": prop(BOOLEAN, True, "Send on enter", "Send when Enter is pressed."),
        "clearable": prop(BOOLEAN, False, "Clearable", "Show a clear button."),
        "sendOnClear": prop(BOOLEAN, False, "Send on clear", "Clearing sends an empty text."),
        "icon": prop("string", "", "Icon", "Icon in the field."),
        **topic_properties(),
    })
    help = node_help("ui-text-input")

    def build_control(self) -> dict[str, Any]:
        c = self.config
        on_delay = c.get("sendOnDelay") in (True, "true")
        return {"type": "text-input" if on_delay else "text-input-CR", "label": c.get("label"),
                "tooltip": c.get("tooltip"), "mode": "text" if c.get("mode") == "textarea" else c.get("mode"),
                "delay": c.get("delay") if on_delay else 0, "order": c.get("order"), "value": "",
                "sendOnBlur": c.get("sendOnBlur") is not False, "width": self.width(), "height": self.height(),
                "className": c.get("className") or ""}


class UiNumberInput2(UiTextInput2):
    type = "ui-number-input"
    label = "number input"
    icon = "ui_numeric.png"
    schema = d2_schema({
        **UiTextInput2.schema["properties"],
        "min": prop(NULLABLE_NUMBER, "", "Min", "Lowest value."),
        "max": prop(NULLABLE_NUMBER, "", "Max", "Highest value."),
        "step": prop(NULLABLE_NUMBER, 1, "Step", "Increment."),
        "spinner": prop("string", "default", "Spinner", "Where the up/down buttons are."),
    })
    help = node_help("ui-number-input")

    def build_control(self) -> dict[str, Any]:
        c = self.config
        return {"type": "numeric", "label": c.get("label"), "tooltip": c.get("tooltip"), "order": c.get("order"),
                "format": "{{value}}", "pre": "", "post": "", "value": _num(c.get("min")),
                "min": _num(c.get("min")), "max": _num(c.get("max")), "step": _num(c.get("step")) or 1,
                "wrap": False, "ed": True, "width": self.width(), "height": self.height(),
                "className": c.get("className") or ""}

    def page_value(self, value: Any) -> Any:
        n = parse_float(value)
        return None if math.isnan(n) else js_num(n)


def _num(value: Any) -> Any:
    n = parse_float(value)
    return None if math.isnan(n) else js_num(n)


def _options(given: Any) -> list[dict[str, Any]]:
    """Options as the page's list: strings, numbers and {label, value} objects."""
    out: list[dict[str, Any]] = []
    for option in given if isinstance(given, list) else []:
        if isinstance(option, dict):
            value = option.get("value", option.get("label"))
            out.append({"label": option.get("label", js_string(value)), "value": value})
        elif isinstance(option, str | int | float) and not isinstance(option, bool):
            out.append({"label": js_string(option), "value": option})
    return out


class UiDropdown2(D2Widget):
    type = "ui-dropdown"
    label = "dropdown"
    icon = "ui_dropdown.png"
    updatable = ("options", "label", "multiple")
    schema = d2_schema({
        "label": prop("string", "Select Option:", "Label", "Text beside the list."),
        "tooltip": prop("string", "", "Tooltip", "Shown when the pointer rests on it."),
        "passthru": prop(BOOLEAN, False, "Pass through", "Input messages choose an option and are passed on."),
        "multiple": prop(BOOLEAN, False, "Multiple", "Several options may be chosen."),
        "chips": prop(BOOLEAN, False, "Chips", "Show the chosen ones as chips."),
        "clearable": prop(BOOLEAN, False, "Clearable", "Show a clear button."),
        "options": prop("array", [{"value": "", "label": "", "type": "str"}], "Options", "Each {label, value, type}."),
        "payload": prop({}, "", "Payload", "Not used."),
        "typeIsComboBox": prop(BOOLEAN, True, "Combo box", "Typing filters the options."),
        "msgTrigger": prop("string", "onChange", "Send", "When to send.", enum=["onChange", "onClose"]),
        **topic_properties(),
    })
    help = node_help("ui-dropdown")

    def build_control(self) -> dict[str, Any]:
        c = self.config
        options = []
        for option in c.get("options") or []:
            if isinstance(option, dict):
                value = option.get("value")
                kind = option.get("type") or "str"
                if kind in ("num", "bool", "json") and isinstance(value, str):
                    try:
                        value = json.loads(value)
                    except ValueError:
                        pass
                options.append({"label": option.get("label") or js_string(value), "value": value})
        return {"type": "dropdown", "multiple": c.get("multiple") in (True, "true"), "label": c.get("label"),
                "tooltip": c.get("tooltip"), "place": "", "order": c.get("order"), "value": None,
                "width": self.width(), "height": self.height(), "className": c.get("className") or "",
                "options": options}

    def map_update(self, changed: dict[str, Any]) -> dict[str, Any]:
        return {**changed, "options": _options(changed["options"])} if "options" in changed else changed

    def before_send(self, msg: Msg) -> Msg | None:
        self.apply_ui_update(msg)
        if isinstance(msg.get("options"), list) and self.hub is not None:
            options = _options(msg["options"])
            self.control["options"] = options
            self.hub.emit("ui-control", {"control": {"options": options}, "id": self.id})
        return msg


class UiForm2(D2Widget):
    type = "ui-form"
    label = "form"
    icon = "ui_form.png"
    page_kind = "action"
    updatable = ("label", "options", "dropdownOptions")
    schema = d2_schema({
        "label": prop("string", "", "Label", "Title of the form."),
        "options": prop("array", [], "Fields", "Each {label, key, type, required, rows}."),
        "formValue": prop("object", {}, "Initial values", "Value of each field."),
        "payload": prop({}, "", "Payload", "Not used."),
        "submit": prop("string", "submit", "Submit", "Submit button's text."),
        "cancel": prop("string", "clear", "Cancel", "Clear button's text."),
        "resetOnSubmit": prop(BOOLEAN, True, "Reset on submit", "Empty the fields after sending."),
        "splitLayout": prop(BOOLEAN, "", "Two columns", "Lay the fields out in two columns."),
        "passthru": prop(BOOLEAN, False, "Pass through", "Forward input messages."),
        "dropdownOptions": prop("array", [], "Dropdown options", "Options of dropdown fields."),
        **topic_properties(),
    })
    help = node_help("ui-form")

    def build_control(self) -> dict[str, Any]:
        c = self.config
        return {"type": "form", "label": c.get("label"), "order": c.get("order"), "value": c.get("formValue") or {},
                "options": self.map_update({"options": c.get("options")})["options"],
                "submit": c.get("submit"), "cancel": c.get("cancel"), "width": self.width(),
                "height": self.height(len(c.get("options") or []) + 1), "className": c.get("className") or ""}

    def map_update(self, changed: dict[str, Any]) -> dict[str, Any]:
        if isinstance(changed.get("options"), list):
            changed = {**changed, "options": [{**f, "value": f.get("key", f.get("value"))}
                                              for f in changed["options"] if isinstance(f, dict)]}
        return changed

    def page_event(self, msg: Msg) -> dict[str, Any] | None:
        payload = msg.get("payload")
        return {"value": payload} if isinstance(payload, dict) else None


NODES: list[type[Node]] = [UiTextInput2, UiNumberInput2, UiDropdown2, UiForm2]
