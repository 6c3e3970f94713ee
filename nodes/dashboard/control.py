"""Nodes that act on the pages rather than sit in a group: ``ui_toast`` (notifications and
dialogs), ``ui_audio`` (sound and speech) and ``ui_ui_control`` (tab switching, showing groups,
and the browsers' connect/change events)."""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from typing import Any

from flowengine.jsutil import js_truthy, to_number
from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from .help_pages import node_help
from .hub import DashboardHub, dashboard_hub
from .props import BOOLEAN, NUMBER, parse_float, prop
from .widget import Widget

__all__ = ["NODES", "UiAudio", "UiToast", "UiUiControl"]


class UiToast(Widget):
    type = "ui_toast"
    label = "notification"
    color = "rgb(119, 198, 204)"
    icon = "ui_toast.png"
    outputs = 0
    schema = {"type": "object", "properties": {
        "position": prop("string", "top right", "Layout", "Where the notification shows, or a dialog.",
                         enum=["top right", "top left", "bottom right", "bottom left", "dialog", "prompt"]),
        "displayTime": prop(NUMBER, "3", "Timeout (s)", "How long a notification stays."),
        "highlight": prop("string", "", "Border colour", "Colour of the notification's border."),
        "sendall": prop(BOOLEAN, True, "Send to all browsers", "Off: only to msg.socketid's browser."),
        "outputs": prop(NUMBER, 0, "Outputs", "1 for dialogs: the button pressed is sent on."),
        "ok": prop("string", "OK", "OK label", "Dialog's confirm button."),
        "cancel": prop("string", "", "Cancel label", "Dialog's cancel button (empty: none)."),
        "raw": prop(BOOLEAN, False, "Accept raw HTML", "Show msg.payload as HTML (off: as text)."),
        "className": prop("string", "", "Class", "CSS class of the notification."),
        "topic": prop("string", "", "Topic", "Title (empty: msg.topic)."),
    }}
    help = node_help("ui_toast")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.forward_input_messages = False
        self.store_front_end_input_as_state = False
        shown = config.get("displayTime")
        given = isinstance(shown, str | int | float) and str(shown) != ""
        self.display_time = parse_float(shown) * 1000 if given else math.nan
        self.sendall = True if config.get("sendall") is None else config.get("sendall")

    def on_start(self) -> None:
        hub = dashboard_hub(self.host.settings)
        self.hub = hub
        self._removers.append(hub.on_input(self.id, self._from_page))

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        if self.hub is None:
            done()
            return
        if self.sendall is True:
            msg.pop("socketid", None)
        shown = self.display_time if js_truthy(self.display_time) else to_number(msg.get("timeout", UNDEFINED)) * 1000
        shown = shown if js_truthy(shown) else 3000
        if shown <= 0:
            shown = 1
        position = self.config.get("position") or "top right"
        self.hub.emit_socket("show-toast", {
            "title": self.config.get("topic") or msg.get("topic", UNDEFINED),
            "toastClass": self.config.get("className") or msg.get("className", UNDEFINED),
            "message": msg.get("payload", UNDEFINED),
            "highlight": self.config.get("highlight") or msg.get("highlight", UNDEFINED),
            "displayTime": shown, "position": position, "id": self.id,
            "dialog": position in ("dialog", "prompt"), "prompt": position == "prompt",
            "ok": self.config.get("ok"), "cancel": self.config.get("cancel"),
            "socketid": msg.get("socketid", UNDEFINED),
            "raw": bool(self.config.get("raw") or False), "msg": msg,
        })
        done()

    def before_send(self, msg: Msg, original: dict[str, Any] | None = None) -> Msg | None:
        answer = msg.get("payload")
        inner = answer.get("msg") if isinstance(answer, dict) else None
        if not isinstance(inner, dict):
            raise ValueError("ui_toast: a dialog answer came without its message (value.msg)")
        inner["topic"] = self.config.get("topic") or inner.get("topic", UNDEFINED)
        return inner


class UiAudio(Node):
    type = "ui_audio"
    category = "dashboard"
    label = "audio out"
    color = "rgb(119, 198, 204)"
    icon = "feed.png"
    inputs = 1
    outputs = 0
    schema = {"type": "object", "properties": {
        "group": prop("string", "", "Group", "The tab of this group plays the sound.", **{"x-config-type": "ui_group"}),
        "voice": prop("string", "", "Voice", "Text-to-speech voice (the browser's list)."),
        "always": prop(BOOLEAN, "", "Play on all tabs", "Play even when another tab is shown."),
    }}
    help = node_help("ui_audio")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.hub: DashboardHub | None = None
        self.tabname: Any = UNDEFINED
        self._remove: Callable[[], None] | None = None

    def on_start(self) -> None:
        group = self.config_node(self.config.get("group") or None)
        tab = self.config_node(group.config.get("tab") or None) if group is not None else None
        if tab is not None:
            self.tabname = tab.name
        self.hub = dashboard_hub(self.host.settings)
        self._remove = self.hub.on("audiostatus", self._status)

    def on_close(self, removed: bool) -> None:
        if self._remove is not None:
            self._remove()
            self._remove = None

    def _status(self, status: str, *_: Any) -> None:
        if status == "complete":
            self.status({})
        elif status.startswith("error"):
            self.status(shape="ring", fill="red", text=status)
        else:
            self.status(shape="dot", fill="blue", text=status)

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        assert self.hub is not None
        if "level" in msg:
            level = to_number(msg["level"])
            if math.isnan(level) or level > 300 or level < 0:
                del msg["level"]
        common = {"tabname": self.tabname, "always": self.config.get("always") or False,
                  "socketid": msg.get("socketid", UNDEFINED)}
        payload = msg.get("payload")
        if msg.get("reset") in (True, 1, "1", "true"):
            self.hub.emit_socket("ui-audio", {"reset": True, **common})
        elif isinstance(payload, bytes | bytearray):
            self.hub.emit_socket("ui-audio", {"audio": base64.b64encode(bytes(payload)).decode("ascii"),
                                              "vol": msg.get("level", UNDEFINED), **common})
        elif isinstance(payload, str):
            voice = self.config.get("voice") or msg.get("voice") or 0
            self.hub.emit_socket("ui-audio", {"tts": payload, "voice": voice,
                                              "vol": msg.get("level", UNDEFINED), **common})
        done()


class UiUiControl(Node):
    type = "ui_ui_control"
    category = "dashboard"
    label = "ui control"
    color = "rgb( 63, 173, 181)"
    icon = "ui_link.png"
    inputs = 1
    outputs = 1
    schema = {"type": "object", "properties": {
        "events": prop("string", "all", "Output", "Which browser events are sent.",
                       enum=["all", "connect", "change"]),
    }}
    help = node_help("ui_ui_control")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.events = config.get("events") or "all"
        self.hub: DashboardHub | None = None
        self._removers: list[Callable[[], None]] = []

    def on_start(self) -> None:
        hub = self.hub = dashboard_hub(self.host.settings)
        wanted = {"connect": ("newsocket",), "change": ("changetab", "collapse")}.get(
            self.events, ("newsocket", "changetab", "collapse", "endsocket"))
        handlers: dict[str, Callable[..., None]] = {
            "newsocket": self._connect, "endsocket": self._lost, "changetab": self._change, "collapse": self._collapse}
        self._removers = [hub.on(event, handlers[event]) for event in wanted]

    def on_close(self, removed: bool) -> None:
        for remove in self._removers:
            remove()
        self._removers.clear()

    def _connect(self, socketid: str, ip: str) -> None:
        self.send({"payload": "connect", "socketid": socketid, "socketip": ip})

    def _lost(self, socketid: str, ip: str) -> None:
        self.send({"payload": "lost", "socketid": socketid, "socketip": ip})

    def _change(self, index: int, name: str, socketid: str, ip: str, params: dict[str, Any]) -> None:
        self.send({"payload": "change", "tab": index, "name": name, "socketid": socketid, "socketip": ip,
                   "params": params})

    def _collapse(self, group: Any, state: Any, socketid: str, ip: str) -> None:
        self.send({"payload": "group", "group": group, "open": state, "socketid": socketid, "socketip": ip})

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        assert self.hub is not None
        payload = msg.get("payload", UNDEFINED)
        if not isinstance(payload, dict | list) and payload is not None:
            payload = msg["payload"] = {"tab": payload}
        if isinstance(payload, dict):
            target = {"socketid": msg["socketid"]} if msg.get("socketid") not in (None, UNDEFINED) else {}
            for key in ("tabs", "tab", "group"):
                if key in payload:
                    self.hub.emit("ui-control", {key: payload[key], **target})
        done()


NODES: list[type[Node]] = [UiToast, UiAudio, UiUiControl]
