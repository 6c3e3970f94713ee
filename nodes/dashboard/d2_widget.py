"""The base of every Dashboard 2 widget: its ``ui-base`` ``register`` and message handling in one class.

A message reaching a widget (Dashboard 2's order):

1. ``before_send(msg)`` (the widget's own hook: evaluates its value, applies ``msg.ui_update``);
2. ``msg.enabled``, ``msg.visible`` and ``msg.class`` change the widget on every page;
3. ``handle_input`` when the widget has its own (charts, buttons); otherwise the topic is set from the
   widget's ``topic``/``topicType``, the message is stored as the widget's state (when it carries
   more than those properties) and sent on: always, or when ``passthru`` is on if the widget has it;
4. the page gets the message's value (``page_event``) and a page that connects later the stored one.

The page answers in three ways, as Dashboard 2's socket events do: a *change* (switch, slider,
inputs: the stored message with the new ``payload``, kept as state and shown on every other page),
an *action* (button, form: a new message) or a *send* (template: the message as given). Messages from
the page carry ``msg._client`` (``socketId``, ``socketIp``) when ``ui-base`` includes client data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from flowengine.message import deep_clone
from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from .d2_config import UiBase2, UiGroup2, hub_of_base
from .hub import DashboardHub
from .props import NULLABLE_NUMBER, prop

__all__ = ["D2Widget", "d2_schema"]

STATE_ONLY = frozenset({"_msgid", "ui_update", "class", "visible", "enabled"})


def d2_schema(properties: dict[str, Any], group: bool = True) -> dict[str, Any]:
    """A widget's schema: ``group``, ``order``, ``width``, ``height``, ``className`` and its own."""
    common = {
        "group": prop("string", "", "Group", "The ui-group the widget is shown in.", **{"x-config-type": "ui-group"}),
        "order": prop(NULLABLE_NUMBER, 0, "Order", "Position within the group."),
        "width": prop(NULLABLE_NUMBER, 0, "Width", "Columns (0: the group's width)."),
        "height": prop(NULLABLE_NUMBER, 0, "Height", "Rows (0: automatic)."),
        "className": prop("string", "", "Class", "CSS class of the widget; msg.class sets it too."),
    } if group else {}
    return {"type": "object", "properties": {**common, **properties}}


class D2Widget(Node):
    """A Dashboard 2 widget drawn by one of the page's widget types (``control_type``)."""

    category = "dashboard 2"
    color = "rgb(119, 198, 204)"
    inputs = 1
    outputs = 1
    page_kind: ClassVar[str] = "change"
    """How the page's input becomes a message: "change", "action" or "send"."""
    updatable: ClassVar[tuple[str, ...]] = ("label",)
    """``msg.ui_update`` keys the widget takes (they change its control on every page)."""

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.hub: DashboardHub | None = None
        self.base: UiBase2 | None = None
        self.control: dict[str, Any] = {}
        self.group_width: Any = 6
        self._removers: list[Callable[[], None]] = []

    # --- hooks (override) ---
    def build_control(self) -> dict[str, Any]:
        """The control the page draws (a Dashboard 1 control dict, without ``id``)."""
        return {}

    def before_send(self, msg: Msg) -> Msg | None:
        """Change a message on its way in or out (None: drop it)."""
        self.apply_ui_update(msg)
        return msg

    def page_event(self, msg: Msg) -> dict[str, Any] | None:
        """What the page gets for a message (None: nothing)."""
        return {"value": msg.get("payload", UNDEFINED)}

    def page_value(self, value: Any) -> Any:
        """The payload for a value operated on the page."""
        return value

    def handle_input(self, msg: Msg, send: Send) -> bool:
        """The widget's own input handling; False: the default (store and pass on)."""
        return False

    # --- placement ---
    def width(self, default: Any = None) -> Any:
        width = self.config.get("width")
        return width if width not in (None, "", 0, "0") else (self.group_width or default or 6)

    def height(self, default: Any = 1) -> Any:
        height = self.config.get("height")
        return height if height not in (None, "", 0, "0") else default

    def on_start(self) -> None:
        group = self.config_node(self.config.get("group") or None)
        if not isinstance(group, UiGroup2):
            self.error("No group configured")
            return
        page = group.page()
        if page is None:
            self.error("No group configured")
            return
        base = page.base()
        self.base = base if isinstance(base, UiBase2) else None
        self.group_width = group.layout()["width"]
        self.hub = hub_of_base(self, base)
        self.control = self.build_control()
        self._removers.append(self.hub.add_control(self.id, self.control, group.layout(), page.layout()))
        self._removers.append(self.hub.on_input(self.id, self._from_page))

    def on_close(self, removed: bool) -> None:
        if self.hub is not None and not removed:
            self.hub.restarting(self.id)
        for remove in reversed(self._removers):
            remove()
        self._removers.clear()
        if self.hub is not None:
            self.hub.forget_state_later(self.id)

    # --- messages from the flow ---
    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        hub = self.hub
        if hub is None:
            done()
            return
        msg.pop("res", None)
        msg.pop("req", None)
        result = self.before_send(msg)
        if result is None:
            done()
            return
        msg = result
        self._state_properties(hub, msg)
        if not self.handle_input(msg, send):
            if self.config.get("topic") or self.config.get("topicType"):
                self.append_topic(msg)
            if any(k not in STATE_ONLY and v is not UNDEFINED for k, v in msg.items()):
                self.store(msg)
            if "passthru" not in self.config or self.config.get("passthru") in (True, "true"):
                send(msg)
        self.show(msg)
        done()

    def _state_properties(self, hub: DashboardHub, msg: Msg) -> None:
        state = hub.replay.setdefault(self.id, {"id": self.id})
        changed: dict[str, Any] = {}
        if isinstance(msg.get("enabled"), bool):
            changed["disabled"] = not msg["enabled"]
        if isinstance(msg.get("visible"), bool):
            changed["hidden"] = not msg["visible"]
        update = msg.get("ui_update")
        cls = msg.get("class") or (update.get("class") if isinstance(update, dict) else None)
        if isinstance(cls, str):
            changed["className"] = cls
        if changed:
            state.update(changed)
            self._emit({"id": self.id, **changed}, msg)

    def apply_ui_update(self, msg: Msg) -> None:
        """``msg.ui_update``: the listed control properties change on every page."""
        update = msg.get("ui_update")
        if not isinstance(update, dict) or self.hub is None:
            return
        changed = {k: deep_clone(update[k]) for k in self.updatable if k in update and update[k] is not UNDEFINED}
        if changed:
            self.control.update(self.map_update(changed))
            self.hub.emit("ui-control", {"control": self.map_update(changed), "id": self.id})

    def map_update(self, changed: dict[str, Any]) -> dict[str, Any]:
        """``ui_update`` keys as the page's control properties (same names unless overridden)."""
        return changed

    def append_topic(self, msg: Msg) -> None:
        """Dashboard 2's ``appendTopic``: the typed topic, ``""`` when it is empty; when the widget has
        no topic the message's is dropped (Dashboard 2 sets it to undefined)."""
        topic: Any = UNDEFINED
        if self.config.get("topic") or self.config.get("topicType"):
            try:
                topic = self.evaluate(self.config.get("topic", ""), self.config.get("topicType") or "str", msg)
            except Exception as exc:  # Dashboard 2 logs it and goes on without a topic
                self.debug_log(f"topic: {exc}")
                topic = UNDEFINED
            topic = topic if topic not in (None, UNDEFINED, "", 0, False) else ""
        if topic is UNDEFINED:
            msg.pop("topic", None)
        else:
            msg["topic"] = topic

    def _scoped(self, msg: Msg) -> str | None:
        """The browser a message is for (``msg._client.socketId``, for the types ``ui-base`` allows)."""
        client = msg.get("_client")
        accepts = self.base.accepts_client_config if self.base else ["ui-control", "ui-notification"]
        if self.type in accepts and isinstance(client, dict) and client.get("socketId"):
            return str(client["socketId"])
        return None

    def store(self, msg: Msg) -> None:
        """Keep the message as the widget's state (not one meant for a single browser)."""
        if self.hub is None or self._scoped(msg) is not None:
            return
        kept = {k: deep_clone(v) for k, v in msg.items() if k != "ui_update"}
        previous = self.hub.values.get(self.id)
        self.hub.values[self.id] = {**previous, **kept} if isinstance(previous, dict) else kept

    def show(self, msg: Msg) -> None:
        event = self.page_event(msg)
        if event is None or self.hub is None:
            return
        event["id"] = self.id
        if self._scoped(msg) is None:
            state = self.hub.replay.get(self.id, {})
            self.hub.replay[self.id] = {**state, **event}
        self._emit(event, msg)

    def _emit(self, event: dict[str, Any], msg: Msg) -> None:
        assert self.hub is not None
        target = self._scoped(msg)
        if target is None:
            self.hub.emit("update-value", event)
        else:
            self.hub.emit_socket("update-value", {**event, "socketid": target})

    # --- values from the page ---
    def _from_page(self, event: dict[str, Any]) -> None:
        try:
            self._page_input(event)
        except Exception as exc:  # a bad value from a page is this widget's error, never the socket's
            self.error(exc)

    def _page_input(self, event: dict[str, Any]) -> None:
        assert self.hub is not None
        value = event.get("value", UNDEFINED)
        msg: Msg
        if self.page_kind == "send":
            given = event.get("msg")
            msg = dict(given) if isinstance(given, dict) else {"payload": value}
        elif self.page_kind == "change":
            stored = self.hub.values.get(self.id)
            msg = deep_clone(stored) if isinstance(stored, dict) else {}
            msg.pop("_msgid", None)
            payload = self.page_value(value)
            msg["payload"] = payload.get("payload") if isinstance(payload, dict) and "payload" in payload else payload
        else:
            msg = {"payload": self.page_value(value)}
            if "event" in event:
                msg["_event"] = event["event"]
        self._add_client(msg, event)
        if self.page_kind != "send":
            self.append_topic(msg)
        result = self.before_send(msg)
        if result is None:
            return
        msg = result
        if self.page_kind != "action":
            self.store(msg)
        if self.page_kind == "change":
            self.show(msg)
        self.send(msg)

    def _add_client(self, msg: Msg, event: dict[str, Any]) -> None:
        if self.base is not None and not self.base.include_client_data:
            return
        assert self.hub is not None
        socket_id = event.get("socketid")
        client = self.hub.clients.get(str(socket_id)) if socket_id else None
        given = msg.get("_client")
        msg["_client"] = {**(given if isinstance(given, dict) else {}), "socketId": socket_id,
                          "socketIp": client.ip if client else ""}
