"""The base of every dashboard widget: Dashboard 1's ``ui.add`` in one class.

A widget registers its *control* (what the page draws) in its group and tab when it starts. A
message reaching the widget goes through Dashboard 1's pipeline:

1. ``msg.enabled`` (boolean) enables or disables the widget on every page;
2. ``msg.ui_control`` (an object) changes the control's own properties (not id, type, order, name,
   value, width, height); a message with no ``payload`` stops here;
3. ``convert(payload, old, msg)`` gives the new value; unless it is new (for widgets that emit only
   new values) nothing else happens;
4. the value goes to the page (``update-value``; to ``msg.socketid`` only when set) and is stored
   for pages that connect later;
5. with pass-through on and wires out, ``msg.payload = convert_back(value)``, ``before_send`` may
   change the message, and it is sent (unless it has ``_dontSend``).

A value operated on the page comes back as ``{id, value, socketid, event?, msg?}``: it becomes
``{payload: convert_back(value)}`` (plus ``socketid``, ``meta``), ``before_send`` adds the topic,
and it is sent; widgets that store the page's input as their state forward it to every page, which
keeps several browsers in sync.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from flowengine.jsutil import js_equal, js_truthy
from flowengine.message import deep_clone
from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from .hub import DashboardHub, dashboard_hub
from .props import group_property, number_or

__all__ = ["Conversion", "Widget"]

UI_CONTROL_FIXED = frozenset({"id", "type", "order", "name", "value", "width", "height"})
FIELD_PROPERTIES = ("className", "label", "format", "color", "units", "tooltip", "icon")
"""Control properties whose ``{{msg.x}}`` references make the widget send ``msg.x`` along."""


@dataclass
class Conversion:
    """What ``convert`` returns when it distinguishes the full data from the new point (charts)."""

    full: Any
    point: Any = UNDEFINED
    """UNDEFINED: no point (emit the full data); True: changed, emit the full data; else the point."""


class Widget(Node):
    """A Dashboard 1 widget. Subclasses set ``control_type`` and override the hooks."""

    category = "dashboard"
    color = "rgb(176, 223, 227)"
    inputs = 1
    outputs = 1
    # Dashboard 1's ui.add options (instances may change them from their config)
    emit_only_new_values: ClassVar[bool] = True
    default_width: ClassVar[int] = 0
    """Width when the node and its group set none (0: the group's width)."""

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.forward_input_messages = bool(config.get("passthru", True))
        self.store_front_end_input_as_state = True
        self.persistent_front_end_value = True
        self.hub: DashboardHub | None = None
        self.control: dict[str, Any] = {}
        self.topi: Any = UNDEFINED
        """The last input's ``msg.topic`` (Dashboard 1's ``node.topi``), used when no topic is set."""
        self.group_width: Any = 6
        self._removers: list[Callable[[], None]] = []
        self._wire_count = sum(len(port) for port in self.wires)

    # --- hooks (override) ---
    def build_control(self) -> dict[str, Any]:
        """The control the page draws (without ``id``, added by the hub)."""
        return {}

    def convert(self, payload: Any, old: Any, msg: Msg) -> Any:
        """The widget's new value from an input message (UNDEFINED: keep the old one)."""
        return payload

    def before_emit(self, msg: Msg, value: Any) -> dict[str, Any] | None:
        return {"value": value}

    def convert_back(self, value: Any) -> Any:
        return value

    def before_send(self, msg: Msg, original: dict[str, Any] | None = None) -> Msg | None:
        """Change the message about to be sent (return a replacement, or None to keep ``msg``)."""
        return None

    def input_received(self, msg: Msg) -> None:
        """Runs before the pipeline for every input (Dashboard 1 widgets note ``msg.topic`` here)."""
        self.topi = msg.get("topic", UNDEFINED)

    def input_handled(self, msg: Msg) -> None:
        """Runs after the pipeline for every input (status updates)."""

    def started(self, hub: DashboardHub) -> None:
        """The widget is on the page (listen to hub events here; add their removers)."""

    # --- placement ---
    def width(self, default: Any = None) -> Any:
        """Dashboard 1's ``config.width || group.config.width || default``."""
        return self.config.get("width") or self.group_width or default or 6

    def height(self, default: Any = 1) -> Any:
        return self.config.get("height") or default

    def placement(self) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(group, tab) layouts this widget belongs to, or (None, None) when it has none."""
        group = self.config_node(group_property(self.config.get("group")))
        layout = getattr(group, "layout", None)
        if group is None or not callable(layout):
            return None, None
        tab = self.config_node(group_property(group.config.get("tab")))
        tab_layout = getattr(tab, "layout", None)
        if tab is None or not callable(tab_layout):
            return None, None
        return layout(), tab_layout()

    # --- lifecycle ---
    def on_start(self) -> None:
        group, tab = self.placement()
        if group is None or tab is None:
            if not self.is_global():
                return  # Dashboard 1: a widget without a group (or whose group has no tab) stays idle
        else:
            self.group_width = group.get("width")
        hub = dashboard_hub(self.host.settings)
        self.hub = hub
        self.control = self.build_control()
        self._removers.append(hub.add_control(self.id, self.control, group, tab))
        self._removers.append(hub.on_input(self.id, self._from_page))
        self.started(hub)

    def is_global(self) -> bool:
        return False

    def on_close(self, removed: bool) -> None:
        if self.hub is not None and not removed:
            self.hub.restarting(self.id)
        for remove in reversed(self._removers):
            remove()
        self._removers.clear()
        if self.hub is not None:
            self.hub.forget_state_later(self.id)

    def listen(self, event: str, listener: Callable[..., None]) -> None:
        """Listen to a hub event for as long as the widget runs."""
        assert self.hub is not None
        self._removers.append(self.hub.on(event, listener))

    # --- messages from the flow ---
    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        self.input_received(msg)
        if self.hub is not None:
            self._pipeline(self.hub, msg, send)
        self.input_handled(msg)
        done()

    def _pipeline(self, hub: DashboardHub, msg: Msg, send: Send) -> None:
        enabled = msg.get("enabled")
        if isinstance(enabled, bool):
            state = hub.replay.setdefault(self.id, {"id": self.id})
            state["disabled"] = not enabled
            hub.emit("update-value", state)
        msg.pop("res", None)
        msg.pop("req", None)
        old = hub.values.get(self.id, UNDEFINED)
        ui_control = msg.get("ui_control")
        if isinstance(ui_control, dict):
            self._apply_ui_control(hub, ui_control)
            if "payload" not in msg:
                return
        conversion = self.convert(msg.get("payload", UNDEFINED), old, msg)
        point: Any = UNDEFINED
        if isinstance(conversion, Conversion):
            full, point = conversion.full, conversion.point
        elif conversion is UNDEFINED:
            full, point = old, True
        else:
            full = conversion
        if point is UNDEFINED and self.emit_only_new_values and _same(old, full):
            return
        hub.values[self.id] = full
        to_store = self.before_emit(msg, full)
        if to_store is None:
            return
        to_emit = self.before_emit(msg, point) if point is not UNDEFINED and point is not True else to_store
        if to_emit is None:
            to_emit = to_store
        self._add_fields(to_emit, msg)
        if "enabled" in msg:
            to_emit["disabled"] = not msg["enabled"]
        if "className" in msg:
            to_emit["className"] = msg["className"]
        to_emit["id"] = to_store["id"] = self.id
        hub.emit_socket("update-value", to_emit)
        if self.persistent_front_end_value:
            hub.replay[self.id] = to_store
        if self.forward_input_messages and self._wire_count and full is not UNDEFINED:
            payload = self.convert_back(full)
            if payload is UNDEFINED:
                msg.pop("payload", None)
            else:
                msg["payload"] = payload
            msg = self.before_send(msg) or msg
            if not msg.get("_dontSend"):
                send(msg)

    def _apply_ui_control(self, hub: DashboardHub, ui_control: dict[str, Any]) -> None:
        changed = {k: v for k, v in ui_control.items() if k in self.control and k not in UI_CONTROL_FIXED}
        self.control.update(changed)
        if changed:
            hub.emit("ui-control", {"control": changed, "id": self.id})

    def _add_fields(self, to_emit: dict[str, Any], msg: Msg) -> None:
        for prop in FIELD_PROPERTIES:
            text = self.control.get(prop)
            if not isinstance(text, str) or "{{" not in text:
                continue
            for part in text.split("{{")[1:]:
                name = part.split("}}")[0].strip()
                for sep in ("|", " ", "?"):
                    name = name.split(sep)[0]
                target = to_emit
                if "msg." in name:
                    name = name.split("msg.")[1]
                    target = to_emit.setdefault("msg", {})
                name = name.split(".")[0].split("[")[0]
                if name and name not in target and name in msg and msg[name] is not UNDEFINED:
                    value = msg[name]
                    binary = isinstance(value, bytes | bytearray)
                    target[name] = bytes(value).decode("latin-1") if binary else deep_clone(value)

    # --- values from the page ---
    def _from_page(self, event: dict[str, Any]) -> None:
        assert self.hub is not None
        try:
            self._page_input(self.hub, event)
        except Exception as exc:  # a bad value from a page is this widget's error, never the socket's
            self.error(exc)

    def _page_input(self, hub: DashboardHub, event: dict[str, Any]) -> None:
        converted = self.convert_back(event.get("value", UNDEFINED))
        if self.store_front_end_input_as_state:
            hub.values[self.id] = converted
            if self.persistent_front_end_value:
                hub.replay[self.id] = event
        msg: Msg | None = {"payload": converted}
        assert msg is not None
        msg = self.before_send(msg, event) or msg
        if msg is not None:
            if not msg.get("socketid"):
                msg["socketid"] = event.get("socketid")
            if "meta" in event:
                msg["meta"] = event["meta"]
            if "topic" in msg and msg["topic"] is UNDEFINED:
                del msg["topic"]
            if "_dontSend" not in event:
                self.send(msg)
        if self.store_front_end_input_as_state:
            hub.emit("update-value", event)

    # --- shared helpers ---
    def topic_for(self, msg: Msg) -> Any:
        """The topic Dashboard 1's widgets put on their output: the typed ``topic`` property, or the
        last input's topic when that is empty."""
        try:
            topic = self.evaluate(self.config.get("topic", ""), self.config.get("topicType") or "str", msg)
        except Exception:  # Dashboard 1 ignores a topic it cannot evaluate (try/catch around it)
            topic = UNDEFINED
        return topic if js_truthy(topic) else self.topi

    def set_topic(self, msg: Msg) -> None:
        topic = self.topic_for(msg)
        if topic is not UNDEFINED:
            msg["topic"] = topic

    def number(self, key: str, default: float) -> float:
        return number_or(self.config.get(key), default)


def _same(old: Any, new: Any) -> bool:
    """Dashboard 1 compares ``oldValue != fullDataset`` with JavaScript's loose equality."""
    if old is UNDEFINED and new is UNDEFINED:
        return True
    return js_equal(old, new)
