"""The dashboard of one runtime: layout, widget values, browsers, events (Dashboard 1's ``ui.js``).

One ``DashboardHub`` exists per runtime (``dashboard_hub(node)`` finds or creates it in the
runtime's ``settings.extra``); it outlives deploys, as Dashboard 1's module state does, so browsers
stay connected and a widget restarted by a deploy keeps its value (state is dropped one second after
a widget closes unless it comes back). Widgets register their *control* (the dict the page draws)
with ``add_control``; values go to browsers as ``update-value`` events and the last one of each
widget is kept for browsers that connect later (``replay``).

Events the page sends (``update-value``, ``ui-change``, ``ui-collapse``, ``ui-audio``...) reach
widgets through ``on_input(node_id, handler)``; Dashboard 1's runtime events (``newsocket``,
``endsocket``, ``changetab``, ``collapse``, ``audiostatus``) through ``on(event, listener)``.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from flowengine.encoding import to_json_text
from flowengine.http_routes import http_routes
from flowengine.types import UNDEFINED

from .clients import Client

__all__ = ["DashboardHub", "DashboardOptions", "dashboard_hub"]

log = logging.getLogger("flowengine.dashboard")

HUB_KEY = "_dashboard_hub"
"""Where the runtime's hub lives in ``settings.extra`` (one per runtime, created on first use)."""
REMOVE_STATE_AFTER = 1.0
"""Seconds a closed widget's value is kept so that a redeploy does not lose it (Dashboard 1)."""

InputHandler = Callable[[dict[str, Any]], None]
Listener = Callable[..., None]


@dataclass(frozen=True)
class DashboardOptions:
    """Settings ``[ui]`` (Node-RED's ``ui: {path, readOnly, defaultGroup}`` in settings.js)."""

    path: str = "ui"
    read_only: bool = False
    default_group: str = "Default"
    max_backlog: int = 2000
    """Events queued per browser; past it the queue is replaced by a full resynchronisation."""
    basic_auth: tuple[str, str] | None = None
    """``httpNodeAuth`` (user, bcrypt hash): the page's websocket asks for it as the page does."""
    single_page_app: bool = False
    """Dashboard 2: every path under the dashboard's that is not a file is the page (pages have paths)."""

    @classmethod
    def from_settings(cls, settings: Any) -> DashboardOptions:
        ui = (getattr(settings, "extra", None) or {}).get("ui")
        ui = ui if isinstance(ui, dict) else {}
        path = ui.get("path")
        node_auth = (getattr(settings, "extra", None) or {}).get("httpNodeAuth")
        basic = None
        if isinstance(node_auth, dict) and node_auth.get("user") and node_auth.get("pass"):
            basic = (str(node_auth["user"]), str(node_auth["pass"]))
        return cls(
            path=path.strip("/") if isinstance(path, str) and path.strip("/") else "ui",
            read_only=ui.get("readOnly") is True,
            default_group=str(ui.get("defaultGroup") or "Default"),
            max_backlog=int(ui.get("maxBacklog") or 2000),
            basic_auth=basic,
        )


@dataclass
class Placement:
    """Where a widget sits: its control, its group and its tab (copies of their config)."""

    control: dict[str, Any]
    group: dict[str, Any]
    tab: dict[str, Any]


class DashboardHub:
    """Layout, values and connected browsers of one runtime's dashboard."""

    def __init__(self, options: DashboardOptions | None = None) -> None:
        self.options = options or DashboardOptions()
        self.base: dict[str, Any] | None = None
        self.placements: dict[str, Placement] = {}
        self.globals: dict[str, dict[str, Any]] = {}
        self.links: dict[str, dict[str, Any]] = {}
        self.values: dict[str, Any] = {}
        self.replay: dict[str, dict[str, Any]] = {}
        self.clients: dict[str, Client] = {}
        self.params: dict[str, Any] = {}
        self.chart_types: dict[str, str] = {}
        """Chart type per chart id: a chart whose type changed starts empty (Dashboard 1's ChartIdList)."""
        self._inputs: dict[str, InputHandler] = {}
        self._listeners: dict[str, list[Listener]] = {}
        self._removals: dict[str, asyncio.TimerHandle] = {}
        self._restarting: set[str] = set()
        """Widgets a deploy stopped that are expected back: their place stays on the page meanwhile."""
        self._layout_pending = False
        self._layout_version = 0
        self.routes_added: object | None = None
        self.stats = {"emitted": 0, "dropped_backlogs": 0}

    # --- layout ---
    def add_control(self, node_id: str, control: dict[str, Any], group: dict[str, Any] | None,
                    tab: dict[str, Any] | None) -> Callable[[], None]:
        """Show ``control`` in ``group`` of ``tab`` (a global template when both are None)."""
        self.keep_state(node_id)
        self._restarting.discard(node_id)
        control["id"] = node_id
        if group is None or tab is None:
            self.globals[node_id] = control
        else:
            self.placements[node_id] = Placement(control, group, tab)
        self.layout_changed()

        def remove() -> None:
            if node_id not in self._restarting:
                self._drop_control(node_id)
        return remove

    def _drop_control(self, node_id: str) -> None:
        self.placements.pop(node_id, None)
        self.globals.pop(node_id, None)
        self.layout_changed()

    def restarting(self, node_id: str) -> None:
        """The widget is stopping to start again (a deploy): pages keep drawing it as it is until it
        is added again, so a browser never gets a layout without it and keeps what the user did there
        (typed text, a template's own data). Past ``REMOVE_STATE_AFTER`` without it, it goes."""
        self._restarting.add(node_id)

    def add_link(self, node_id: str, link: dict[str, Any]) -> Callable[[], None]:
        self.links[node_id] = link
        self.layout_changed()

        def remove() -> None:
            self.links.pop(node_id, None)
            self.layout_changed()
        return remove

    def set_base(self, base: dict[str, Any] | None) -> None:
        self.base = base
        self.layout_changed()

    def menu(self) -> list[dict[str, Any]]:
        """Tabs (with their groups and widgets) and links, in Dashboard 1's order."""
        tabs: dict[str, dict[str, Any]] = {}
        for place in self.placements.values():
            tab = tabs.get(place.tab["id"])
            if tab is None:
                tab = tabs[place.tab["id"]] = {**place.tab, "items": {}}
            group = tab["items"].get(place.group["id"])
            if group is None:
                group = tab["items"][place.group["id"]] = {
                    "id": place.group["id"], "header": {"name": place.group.get("name"), "config": place.group},
                    "order": _number(place.group.get("order")), "items": []}
            group["items"].append(place.control)
        entries: list[dict[str, Any]] = []
        for tab in tabs.values():
            groups = sorted(tab["items"].values(), key=lambda g: _order_key(g["order"]))
            for g in groups:
                g["items"].sort(key=lambda c: _order_key(c.get("order")))
            entries.append({**tab, "items": groups})
        entries.extend({"id": node_id, **link} for node_id, link in self.links.items())
        return sorted(entries, key=lambda e: _order_key(e.get("order")))

    def layout(self) -> dict[str, Any]:
        """The ``ui-controls`` event: site, theme, menu and global templates."""
        base = self.base or {}
        return {"site": base.get("site"), "theme": base.get("theme"), "menu": self.menu(),
                "globals": list(self.globals.values())}

    def layout_changed(self) -> None:
        """Send the layout to every browser once, after the current burst of changes."""
        self._layout_version += 1
        if self._layout_pending:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (building nodes outside the runtime): browsers get it when they connect
        self._layout_pending = True
        loop.call_soon(self._send_layout)

    def _send_layout(self) -> None:
        self._layout_pending = False
        stale = [c for c in self.clients.values() if c.layout_version != self._layout_version]
        if stale:
            text = _frame("ui-controls", self.layout())
            for client in stale:
                client.layout_version = self._layout_version
                self._push(client, text)

    # --- widget state ---
    def keep_state(self, node_id: str) -> None:
        handle = self._removals.pop(node_id, None)
        if handle is not None:
            handle.cancel()

    def forget_state_later(self, node_id: str) -> None:
        """Drop the widget's value one second from now, unless it is added again before."""
        self.keep_state(node_id)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._forget(node_id)
            return
        self._removals[node_id] = loop.call_later(REMOVE_STATE_AFTER, self._forget, node_id)

    def _forget(self, node_id: str) -> None:
        self._removals.pop(node_id, None)
        self.values.pop(node_id, None)
        self.replay.pop(node_id, None)
        if node_id in self._restarting:  # it did not come back
            self._restarting.discard(node_id)
            self._drop_control(node_id)

    def close(self) -> None:
        """Cancel the pending state removals (the runtime is going away)."""
        for handle in self._removals.values():
            handle.cancel()
        self._removals.clear()

    # --- to browsers ---
    def emit(self, event: str, data: dict[str, Any]) -> None:
        """Send an event to every connected browser."""
        if not self.clients:
            return
        text = _frame(event, data)
        for client in tuple(self.clients.values()):
            self._push(client, text)

    def emit_socket(self, event: str, data: dict[str, Any]) -> None:
        """Send to the browser named by ``data.msg.socketid`` or ``data.socketid``, else to all."""
        target = None
        inner = data.get("msg")
        if isinstance(inner, dict) and inner.get("socketid") not in (None, UNDEFINED):
            target = inner.get("socketid")
        elif data.get("socketid") not in (None, UNDEFINED):
            target = data.get("socketid")
        if target is None:
            self.emit(event, data)
            return
        client = self.clients.get(str(target))
        if client is not None:
            self._push(client, _frame(event, data))

    def _push(self, client: Client, text: str) -> None:
        self.stats["emitted"] += 1
        if not client.push(text):
            self.stats["dropped_backlogs"] += 1

    def resync_frames(self) -> list[str]:
        """What a browser gets after its backlog overflowed: the layout and every stored value."""
        return [_frame("ui-controls", self.layout()), *self.replay_frames()]

    def replay_frames(self) -> list[str]:
        return [_frame("update-value", state) for state in tuple(self.replay.values())]

    # --- from browsers ---
    def on_input(self, node_id: str, handler: InputHandler) -> Callable[[], None]:
        """Call ``handler(data)`` for each ``update-value`` a browser sends for ``node_id``."""
        self._inputs[node_id] = handler

        def remove() -> None:
            if self._inputs.get(node_id) is handler:
                del self._inputs[node_id]
        return remove

    def on(self, event: str, listener: Listener) -> Callable[[], None]:
        """Listen to a runtime event (``newsocket``, ``endsocket``, ``changetab``, ``collapse``,
        ``audiostatus``); returns the function that stops listening."""
        self._listeners.setdefault(event, []).append(listener)

        def remove() -> None:
            listeners = self._listeners.get(event, [])
            if listener in listeners:
                listeners.remove(listener)
        return remove

    def fire(self, event: str, *args: Any) -> None:
        for listener in tuple(self._listeners.get(event, ())):
            listener(*args)

    def connected(self, client: Client) -> None:
        self.clients[client.id] = client
        client.push(_frame("hello", {"socketid": client.id}))
        client.push(_frame("ui-controls", self.layout()))
        client.layout_version = self._layout_version
        self.fire("newsocket", client.id, client.ip)

    def disconnected(self, client: Client) -> None:
        if self.clients.pop(client.id, None) is not None:
            self.fire("endsocket", client.id, client.ip)

    def received(self, client: Client, data: Any) -> None:
        """One event from a browser (already parsed JSON)."""
        if not isinstance(data, dict):
            return
        kind = data.get("type")
        if kind == "update-value":
            node_id = data.get("id")
            handler = self._inputs.get(node_id) if isinstance(node_id, str) else None
            if handler is None or self.options.read_only:
                return
            event = {k: v for k, v in data.items() if k != "type"}
            event["socketid"] = client.id
            handler(event)
        elif kind == "ui-replay-state":
            # marked: a page applies a replayed value only where it shows something else (a widget
            # it kept drawn across a deploy already shows it, and must not take it as a new message)
            for state in tuple(self.replay.values()):
                client.push(_frame("update-value", {**state, "replayed": True}))
            client.push(_frame("ui-replay-done", {}))
        elif kind == "ui-change":
            self._tab_changed(client, data.get("index"))
        elif kind == "ui-collapse":
            self.fire("collapse", data.get("group"), data.get("state"), client.id, client.ip)
        elif kind == "ui-audio":
            self.fire("audiostatus", str(data.get("status") or ""), client.id, client.ip)
        elif kind == "ui-params":
            params = data.get("params")
            self.params = {k: v for k, v in params.items() if k != "socketid"} if isinstance(params, dict) else {}
        elif kind == "ui-refresh":
            self.layout_changed()

    def _tab_changed(self, client: Client, index: Any) -> None:
        menu = self.menu()
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(menu):
            return
        entry = menu[index]
        name = entry.get("header") if entry.get("header") is not None else entry.get("name")
        self.fire("changetab", index, name or "", client.id, client.ip, dict(self.params))


def dashboard_hub(settings: Any, path: str | None = None) -> DashboardHub:
    """The hub of the runtime these settings belong to; created (and its page routes added to the
    server's HTTP routes, when there is a server) on first use.

    ``path`` names a Dashboard 2 dashboard (``ui-base``'s path, e.g. ``"dashboard"``): each has its
    own hub and page; without it the hub is Dashboard 1's (at ``ui.path``).
    """
    extra = getattr(settings, "extra", None)
    if not isinstance(extra, dict):
        return DashboardHub()
    key = HUB_KEY if path is None else f"{HUB_KEY}:{path}"
    hub = extra.get(key)
    if not isinstance(hub, DashboardHub):
        options = DashboardOptions.from_settings(settings)
        if path is not None:
            options = replace(options, path=path, single_page_app=True)
        hub = DashboardHub(options)
        extra[key] = hub
    routes = http_routes(settings)
    if routes is not None and hub.routes_added is not routes:
        from .page import add_page_routes

        add_page_routes(hub, routes, settings)
        hub.routes_added = routes
    return hub


def _frame(event: str, data: dict[str, Any]) -> str:
    return to_json_text({"type": event, **data})


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _order_key(order: Any) -> tuple[bool, float]:
    """Dashboard 1's ``itemSorter``: ascending order, with order 0 (unset) last."""
    n = _number(order)
    last = n == 0 or math.isnan(n)
    return last, 0.0 if math.isnan(n) else n
