"""Dashboard 2's (@flowfuse/node-red-dashboard) config nodes: ``ui-base`` (a dashboard at a path),
``ui-page`` (a page with its own path), ``ui-group`` (a card on a page), ``ui-theme`` (colours and
sizes) and ``ui-link`` (a menu entry opening a URL).

Each ``ui-base`` is a dashboard of its own, served at ``<httpNodeRoot><path>`` (``/dashboard`` by
default) with one page per ``ui-page`` at ``<path><page path>``. It is drawn by the same page and
websocket as Dashboard 1 (``hub``, ``page``): pages map onto tabs and groups onto groups.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowengine.jsutil import js_truthy
from flowengine.node import Node

from .config_nodes import default_theme
from .help_pages import node_help
from .hub import DashboardHub, dashboard_hub
from .props import BOOLEAN, NULLABLE_NUMBER, number_or, prop

__all__ = ["DEFAULT_PATH", "NODES", "UiBase2", "UiGroup2", "UiLink2", "UiPage2", "UiTheme2", "base_path",
           "hub_of_base"]

DEFAULT_PATH = "/dashboard"
COLOR = "rgb(119, 198, 204)"
D2_SIZES = {"sx": 80, "sy": 48, "gx": 12, "gy": 12, "cx": 8, "cy": 8, "px": 0, "py": 0}
"""Grid sizes of a Dashboard 2 page: its groups are columns of a 12-column page."""


def base_path(base: Node | None) -> str:
    """The hub key of a dashboard: its ``ui-base`` path without slashes (``dashboard``)."""
    path = base.config.get("path") if base is not None else None
    path = path if isinstance(path, str) and path.strip("/") else DEFAULT_PATH
    return path.strip("/")


def hub_of_base(node: Node, base: Node | None) -> DashboardHub:
    return dashboard_hub(node.host.settings, base_path(base))


def _flag(value: Any, default: bool) -> bool:
    """Dashboard 2 stores some flags as ``"true"``/``"false"`` texts."""
    if value is None:
        return default
    return value is True or value == "true"


def _merge_base(hub: DashboardHub, **parts: Any) -> None:
    hub.set_base({**(hub.base or {}), **parts})


class UiBase2(Node):
    type = "ui-base"
    category = "config"
    label = "ui base"
    color = COLOR
    is_config = True
    inputs = 0
    outputs = 0
    schema = {"type": "object", "properties": {
        "path": prop("string", DEFAULT_PATH, "Path", "Where the dashboard is served (under httpNodeRoot)."),
        "appIcon": prop("string", "", "App icon", "URL of the icon an installed app shows."),
        "includeClientData": prop(BOOLEAN, True, "Include client data",
                                  "Messages from the page carry msg._client (socketId, socketIp)."),
        "acceptsClientConfig": prop("array", ["ui-notification", "ui-control"], "Accept client constraints",
                                    "Node types whose messages with msg._client.socketId go to that browser only."),
        "showPathInSidebar": prop(BOOLEAN, False, "Show path in sidebar", "List page paths in the menu."),
        "headerContent": prop("string", "page", "Header", "What the title bar shows.",
                              enum=["page", "dashboard", "dashpage", "none"]),
        "navigationStyle": prop("string", "default", "Navigation", "How the menu is shown.",
                                enum=["default", "fixed", "icon", "temporary", "none"]),
        "titleBarStyle": prop("string", "default", "Title bar", "Title bar style.",
                              enum=["default", "hidden", "fixed"]),
        "showReconnectNotification": prop(BOOLEAN, True, "Reconnect notice", "Say when the page reconnects."),
        "notificationDisplayTime": prop(NULLABLE_NUMBER, 5, "Notice time (s)", "How long connection notices stay."),
        "showDisconnectNotification": prop(BOOLEAN, True, "Disconnect notice", "Say when the page lost the link."),
        "allowInstall": prop(BOOLEAN, True, "Installable", "The page may be installed as an app."),
    }}
    help = node_help("ui-base")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        accepts = config.get("acceptsClientConfig")
        self.accepts_client_config: list[str] = (
            [str(t) for t in accepts] if isinstance(accepts, list) else ["ui-control", "ui-notification"])
        self.include_client_data = _flag(config.get("includeClientData"), True)

    def on_start(self) -> None:
        hub = hub_of_base(self, self)
        theme = (hub.base or {}).get("theme") or default_theme("theme-light")
        _merge_base(hub, site={"name": self.name or "Node-RED Dashboard", "sizes": dict(D2_SIZES)}, theme=theme)

    def on_close(self, removed: bool) -> None:
        if removed:
            hub_of_base(self, self).set_base(None)


class UiTheme2(Node):
    type = "ui-theme"
    category = "config"
    label = "ui theme"
    color = COLOR
    is_config = True
    inputs = 0
    outputs = 0
    schema = {"type": "object", "properties": {
        "colors": prop("object", {"surface": "#ffffff", "primary": "#0094CE", "bgPage": "#eeeeee",
                                  "groupBg": "#ffffff", "groupOutline": "#cccccc"}, "Colours",
                       "surface (title bar), primary (widgets), bgPage, groupBg and groupOutline."),
        "sizes": prop("object", {"pagePadding": "12px", "groupGap": "12px", "groupBorderRadius": "4px",
                                 "widgetGap": "12px"}, "Sizes", "Spacing of pages, groups and widgets."),
    }}
    help = node_help("ui-theme")

    def theme(self) -> dict[str, Any]:
        """The theme as the page applies it (Dashboard 1's ``themeState`` names)."""
        colors = self.config.get("colors") if isinstance(self.config.get("colors"), dict) else {}
        assert isinstance(colors, dict)
        primary = colors.get("primary") or "#0094CE"
        surface = colors.get("surface") or "#ffffff"
        state = default_theme("theme-light")["themeState"]
        mapped = {"base-color": primary, "page-titlebar-backgroundColor": primary,
                  "page-backgroundColor": colors.get("bgPage"), "group-backgroundColor": colors.get("groupBg"),
                  "group-borderColor": colors.get("groupOutline"), "widget-backgroundColor": primary,
                  "page-sidebar-backgroundColor": surface}
        for key, value in mapped.items():
            if isinstance(value, str) and value:
                state[key] = {"value": value}
        return {**default_theme("theme-light"), "themeState": state}


class UiPage2(Node):
    type = "ui-page"
    category = "config"
    label = "ui page"
    color = COLOR
    is_config = True
    inputs = 0
    outputs = 0
    schema = {"type": "object", "properties": {
        "ui": prop("string", "", "Dashboard", "The ui-base this page belongs to.", **{"x-config-type": "ui-base"}),
        "path": prop("string", "/page1", "Path", "The page's path below the dashboard's."),
        "icon": prop("string", "home", "Icon", "Menu icon (a Material Design name)."),
        "layout": prop("string", "grid", "Layout", "How groups are laid out.",
                       enum=["grid", "flex", "notebook", "tabs"]),
        "theme": prop("string", "", "Theme", "The ui-theme of the page.", **{"x-config-type": "ui-theme"}),
        "breakpoints": prop("array", [], "Breakpoints", "Columns per screen width."),
        "order": prop(NULLABLE_NUMBER, 0, "Order", "Position in the menu."),
        "className": prop("string", "", "Class", "CSS class of the page."),
        "visible": prop(BOOLEAN, "true", "Visible", "Listed in the menu."),
        "disabled": prop(BOOLEAN, "false", "Disabled", "Shown greyed out in the menu."),
    }}
    help = node_help("ui-page")

    def base(self) -> Node | None:
        return self.config_node(self.config.get("ui") or None)

    def on_start(self) -> None:
        hub = hub_of_base(self, self.base())
        theme = self.config_node(self.config.get("theme") or None)
        if isinstance(theme, UiTheme2) and not (hub.base or {}).get("themed"):
            _merge_base(hub, theme=theme.theme(), themed=True)

    def layout(self) -> dict[str, Any]:
        return {"id": self.id, "header": self.name, "order": number_or(self.config.get("order") or 0, 0),
                "icon": self.config.get("icon") or "", "path": str(self.config.get("path") or f"/{self.id}"),
                "disabled": _flag(self.config.get("disabled"), False),
                "hidden": not _flag(self.config.get("visible"), True)}


class UiGroup2(Node):
    type = "ui-group"
    category = "config"
    label = "ui group"
    color = COLOR
    is_config = True
    inputs = 0
    outputs = 0
    schema = {"type": "object", "properties": {
        "page": prop("string", "", "Page", "The ui-page this group is on.", **{"x-config-type": "ui-page"}),
        "width": prop(NULLABLE_NUMBER, 6, "Width", "Columns of the page's 12."),
        "height": prop(NULLABLE_NUMBER, 1, "Height", "Rows at least."),
        "order": prop(NULLABLE_NUMBER, 0, "Order", "Position on the page."),
        "showTitle": prop(BOOLEAN, True, "Show title", "Show the group's name above it."),
        "className": prop("string", "", "Class", "CSS class of the group's card."),
        "visible": prop(BOOLEAN, "true", "Visible", "Shown on the page."),
        "disabled": prop(BOOLEAN, "false", "Disabled", "Its widgets cannot be operated."),
        "groupType": prop("string", "default", "Type", "default or dialog.", enum=["default", "dialog"]),
    }}
    help = node_help("ui-group")

    def page(self) -> UiPage2 | None:
        page = self.config_node(self.config.get("page") or None)
        return page if isinstance(page, UiPage2) else None

    def layout(self) -> dict[str, Any]:
        show = self.config.get("showTitle")
        return {"id": self.id, "name": self.name, "disp": show is None or (js_truthy(show) and show != "false"),
                "width": self.config.get("width") or 6, "order": self.config.get("order"),
                "tab": self.config.get("page"), "collapse": False, "className": self.config.get("className") or "",
                "hidden": not _flag(self.config.get("visible"), True)}


class UiLink2(Node):
    type = "ui-link"
    category = "config"
    label = "ui link"
    color = COLOR
    is_config = True
    inputs = 0
    outputs = 0
    schema = {"type": "object", "properties": {
        "ui": prop("string", "", "Dashboard", "The ui-base whose menu lists the link.",
                   **{"x-config-type": "ui-base"}),
        "path": prop("string", "", "Link", "The URL (or path) the menu entry opens."),
        "icon": prop("string", "link", "Icon", "Menu icon."),
        "order": prop(NULLABLE_NUMBER, 0, "Order", "Position in the menu."),
        "visible": prop(BOOLEAN, "true", "Visible", "Listed in the menu."),
        "disabled": prop(BOOLEAN, "false", "Disabled", "Shown greyed out."),
    }}
    help = node_help("ui-link")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self._remove: Callable[[], None] | None = None

    def on_start(self) -> None:
        if not _flag(self.config.get("visible"), True):
            return
        hub = hub_of_base(self, self.config_node(self.config.get("ui") or None))
        self._remove = hub.add_link(self.id, {
            "name": self.name, "link": self.config.get("path"), "icon": self.config.get("icon"),
            "order": self.config.get("order") or 1, "target": "thistab",
            "disabled": _flag(self.config.get("disabled"), False)})

    def on_close(self, removed: bool) -> None:
        if self._remove is not None:
            self._remove()
            self._remove = None


NODES: list[type[Node]] = [UiBase2, UiTheme2, UiPage2, UiGroup2, UiLink2]
