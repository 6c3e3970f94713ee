"""Dashboard 2 nodes that act on the whole dashboard: ``ui-notification`` (pop-up messages with
dismiss/confirm buttons), ``ui-control`` (switch pages; show, hide, enable and disable pages,
groups and widgets; the browsers' connect, lost and change events) and ``ui-event`` (page views)."""

from __future__ import annotations

import math
from typing import Any

from flowengine.jsutil import js_truthy
from flowengine.message import deep_clone
from flowengine.node import Node
from flowengine.types import UNDEFINED, Msg, Send

from .d2_config import UiBase2, UiGroup2, UiPage2, hub_of_base
from .d2_widget import D2Widget, d2_schema
from .help_pages import node_help
from .props import BOOLEAN, NULLABLE_NUMBER, parse_float, prop

__all__ = ["NODES", "UiControl2", "UiEvent2", "UiNotification2"]

BASE_REF = prop("string", "", "Dashboard", "The ui-base this node acts on.", **{"x-config-type": "ui-base"})
_POSITIONS = {"top right": "top right", "top left": "top left", "bottom right": "bottom right",
              "bottom left": "bottom left", "top center": "top right", "bottom center": "bottom right",
              "center center": "top right"}


class _Headless(D2Widget):
    """A Dashboard 2 node registered with its ``ui-base`` rather than a group."""

    def on_start(self) -> None:
        base = self.config_node(self.config.get("ui") or None)
        if not isinstance(base, UiBase2):
            self.error("No UI configured")
            return
        self.base = base
        self.hub = hub_of_base(self, base)
        self._removers.append(self.hub.on_input(self.id, self._from_page))
        self.started()

    def started(self) -> None:
        """The node is connected to its dashboard (listen to its events here)."""


class UiNotification2(_Headless):
    type = "ui-notification"
    label = "notification"
    icon = "ui_toast.png"
    page_kind = "action"
    updatable = ("allowConfirm", "allowDismiss", "color", "confirmText", "dismissText", "displayTime", "position",
                 "raw", "showCountdown")
    schema = d2_schema({
        "ui": BASE_REF,
        "position": prop("string", "top right", "Position", "Where the notification shows.", enum=list(_POSITIONS)),
        "colorDefault": prop(BOOLEAN, True, "Default colour", "Use the theme's colour."),
        "color": prop("string", "#000000", "Colour", "Border colour."),
        "displayTime": prop(NULLABLE_NUMBER, "3", "Timeout (s)", "How long it stays (0: until dismissed)."),
        "showCountdown": prop(BOOLEAN, True, "Countdown", "Show the time left."),
        "outputs": prop(NULLABLE_NUMBER, 1, "Outputs", "1: the button pressed (or timeout) is sent on."),
        "allowDismiss": prop(BOOLEAN, True, "Dismiss button", "Show a button that closes it."),
        "dismissText": prop("string", "Close", "Dismiss text", "The dismiss button's label."),
        "allowConfirm": prop(BOOLEAN, False, "Confirm button", "Show a confirm button."),
        "confirmText": prop("string", "Confirm", "Confirm text", "The confirm button's label."),
        "raw": prop(BOOLEAN, False, "Accept raw HTML", "Show msg.payload as HTML (off: as text)."),
    }, group=False)
    help = node_help("ui-notification")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.look = {k: config.get(k) for k in self.updatable}

    def apply_ui_update(self, msg: Msg) -> None:
        update = msg.get("ui_update")
        if isinstance(update, dict):
            self.look.update({k: update[k] for k in self.updatable if k in update})

    def handle_input(self, msg: Msg, send: Send) -> bool:
        if msg.get("payload") is not None and msg.get("payload") is not UNDEFINED:
            self.store(msg)
        return True

    def page_event(self, msg: Msg) -> dict[str, Any] | None:
        return None

    def show(self, msg: Msg) -> None:
        if self.hub is None or (msg.get("payload", UNDEFINED) is UNDEFINED and msg.get("show") is not True):
            return
        look = self.look
        seconds = parse_float(look.get("displayTime"))
        shown = {k: deep_clone(v) for k, v in msg.items() if not k.startswith("_") or k == "_client"}
        toast = {"id": self.id, "message": msg.get("payload", UNDEFINED), "raw": look.get("raw") in (True, "true"),
                 "position": _POSITIONS.get(str(look.get("position")), "top right"),
                 "displayTime": seconds * 1000 if seconds > 0 and not math.isnan(seconds) else 0,
                 "highlight": None if look.get("colorDefault") is not False else look.get("color"),
                 "dismiss": look.get("dismissText") or "Close" if look.get("allowDismiss") in (True, "true") else "",
                 "confirm": look.get("confirmText") or "Confirm" if look.get("allowConfirm") in (True, "true") else "",
                 "dialog": False, "msg": shown}
        target = self._scoped(msg)
        if target is not None:
            toast["socketid"] = target
        self.hub.emit_socket("show-toast", toast)

    def _page_input(self, event: dict[str, Any]) -> None:
        value = event.get("value")
        inner = value.get("msg") if isinstance(value, dict) else None
        msg: Msg = dict(inner) if isinstance(inner, dict) else {}
        msg["payload"] = value.get("payload", "timeout") if isinstance(value, dict) else value
        self._add_client(msg, event)
        self.send(msg)


class UiControl2(_Headless):
    type = "ui-control"
    label = "ui control"
    icon = "ui_ui_control.png"
    schema = d2_schema({
        "ui": BASE_REF,
        "events": prop("string", "all", "Output", "Which browser events are sent.",
                       enum=["all", "connect", "change"]),
    }, group=False)
    help = node_help("ui-control")

    def started(self) -> None:
        hub = self.hub
        assert hub is not None
        events = self.config.get("events") or "all"
        if events in ("all", "connect"):
            self._removers.append(hub.on("newsocket", lambda sid, ip: self._event("connect", sid, ip)))
            self._removers.append(hub.on("endsocket", lambda sid, ip: self._event("lost", sid, ip)))
        if events in ("all", "change"):
            self._removers.append(hub.on("changetab", self._changed))

    def _event(self, what: str, socket_id: str, ip: str, **extra: Any) -> None:
        msg: Msg = {"payload": what, **extra}
        if self.base is None or self.base.include_client_data:
            msg["_client"] = {"socketId": socket_id, "socketIp": ip}
        self.send(msg)

    def _changed(self, index: int, name: str, socket_id: str, ip: str, params: dict[str, Any]) -> None:
        self._event("change", socket_id, ip, tab=index, name=name)

    def page_event(self, msg: Msg) -> dict[str, Any] | None:
        return None

    def handle_input(self, msg: Msg, send: Send) -> bool:
        assert self.hub is not None
        payload = msg.get("payload")
        if not isinstance(payload, dict):
            payload = {"page": payload}
        control: dict[str, Any] = {}
        page = payload.get("page", payload.get("tab"))
        if js_truthy(page):
            control["tab"] = page if page in ("+1", "-1") else self._page_name(page)
        pages = payload.get("pages", payload.get("tabs"))
        if isinstance(pages, dict):
            control["tabs"] = {k: [self._page_name(p) for p in v] for k, v in pages.items() if isinstance(v, list)}
        groups = payload.get("groups", payload.get("group"))
        if isinstance(groups, dict):
            control["group"] = {k: [self._group_key(g) for g in v] for k, v in groups.items() if isinstance(v, list)}
        if control:
            target = self._scoped(msg)
            self.hub.emit_socket("ui-control", {**control, **({"socketid": target} if target else {})})
        widgets = payload.get("widgets", payload.get("widget"))
        if isinstance(widgets, dict):
            self._widgets(widgets, msg)
        return True

    def _page_name(self, page: Any) -> Any:
        node = self.config_node(str(page)) if isinstance(page, str) else None
        return node.name if isinstance(node, UiPage2) else page

    def _group_key(self, group: Any) -> str:
        """A group as the page names it: ``<page>_<group>`` with spaces as ``_``."""
        node = self.config_node(str(group)) if isinstance(group, str) else None
        if isinstance(node, UiGroup2):
            page = node.page()
            text = f"{page.name if page else ''} {node.name}"
        else:
            text = " ".join(str(group).split(":", 1))
        return text.replace(" ", "_")

    def _widgets(self, widgets: dict[str, Any], msg: Msg) -> None:
        assert self.hub is not None
        changes = {"show": ("hidden", False), "hide": ("hidden", True), "enable": ("disabled", False),
                   "disable": ("disabled", True)}
        for action, ids in widgets.items():
            if action not in changes or not isinstance(ids, list):
                continue
            key, value = changes[action]
            for widget_id in ids:
                found = widget_id if widget_id in self.hub.placements else next(
                    (i for i, p in self.hub.placements.items() if p.control.get("label") == widget_id), None)
                if found is not None:
                    self.hub.replay.setdefault(found, {"id": found})[key] = value
                    self.hub.emit("update-value", {"id": found, key: value})


class UiEvent2(_Headless):
    type = "ui-event"
    label = "ui event"
    icon = "font-awesome/fa-bolt"
    inputs = 0
    schema = d2_schema({"ui": BASE_REF}, group=False)
    help = node_help("ui-event")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.shown: dict[str, dict[str, Any]] = {}
        """The page each browser shows (by socket id)."""

    def started(self) -> None:
        assert self.hub is not None
        self._removers.append(self.hub.on("changetab", self._changed))
        self._removers.append(self.hub.on("endsocket", self._gone))

    def _gone(self, socket_id: str, ip: str) -> None:
        self.shown.pop(socket_id, None)

    def page_event(self, msg: Msg) -> dict[str, Any] | None:
        return None

    def _changed(self, index: int, name: str, socket_id: str, ip: str, params: dict[str, Any]) -> None:
        assert self.hub is not None
        menu = self.hub.menu()
        entry = menu[index] if 0 <= index < len(menu) else {}
        page = {k: entry.get(k) for k in ("id", "name", "path", "icon", "order") if k != "name"}
        page["name"] = name
        before = self.shown.get(socket_id)
        if before is not None and before["page"].get("id") != page.get("id"):
            self._event("$pageleave", before, socket_id, ip)
        payload = {"page": page, "query": dict(params)}
        self.shown[socket_id] = payload
        self._event("$pageview", payload, socket_id, ip)

    def _event(self, topic: str, payload: dict[str, Any], socket_id: str, ip: str) -> None:
        msg: Msg = {"topic": topic, "payload": deep_clone(payload)}
        if self.base is None or self.base.include_client_data:
            msg["_client"] = {"socketId": socket_id, "socketIp": ip}
        self.send(msg)


NODES: list[type[Node]] = [UiNotification2, UiControl2, UiEvent2]
