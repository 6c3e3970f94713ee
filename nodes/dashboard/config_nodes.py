"""Dashboard 1's config nodes: ``ui_base`` (site and theme), ``ui_tab`` (a page), ``ui_group`` (a
card on a page), ``ui_link`` (a menu entry opening a URL) and ``ui_spacer`` (an empty cell).

Tabs and groups only describe the layout: a tab appears on the page once a widget sits in one of
its groups (as in Dashboard 1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowengine.node import Node

from .help_pages import node_help
from .hub import dashboard_hub
from .props import BOOLEAN, NUMBER, number_or, prop
from .widget import Widget

__all__ = ["NODES", "UiBase", "UiGroup", "UiLink", "UiSpacer", "UiTab", "default_theme"]

BASE_FONT = ("-apple-system,BlinkMacSystemFont,Segoe UI,Roboto,Oxygen-Sans,Ubuntu,Cantarell,"
             "Helvetica Neue,sans-serif")
_LIGHT = {"base-color": "#0094CE", "page-backgroundColor": "#fafafa", "page-titlebar-backgroundColor": "#0094CE",
          "page-sidebar-backgroundColor": "#ffffff", "group-backgroundColor": "#ffffff",
          "group-textColor": "#000000", "group-borderColor": "#ffffff", "widget-textColor": "#111111",
          "widget-backgroundColor": "#0094CE"}
_DARK = {"base-color": "#097479", "page-backgroundColor": "#111111", "page-titlebar-backgroundColor": "#097479",
         "page-sidebar-backgroundColor": "#333333", "group-backgroundColor": "#333333",
         "group-textColor": "#10cfd8", "group-borderColor": "#555555", "widget-textColor": "#eeeeee",
         "widget-backgroundColor": "#097479"}


def default_theme(config_theme: Any) -> dict[str, Any]:
    """The theme object ``ui_base`` publishes (Dashboard 1 fills what an old flow file lacks)."""
    theme = config_theme if isinstance(config_theme, dict) else {}
    name = config_theme if isinstance(config_theme, str) else (theme.get("name") or "theme-light")
    colours = _LIGHT if name == "theme-light" else _DARK
    state = {"base-font": {"value": BASE_FONT}, **{k: {"value": v} for k, v in colours.items()}}
    return {
        "name": name,
        "lightTheme": theme.get("lightTheme") or {"baseColor": "#0094CE", "baseFont": BASE_FONT},
        "darkTheme": theme.get("darkTheme") or {"baseColor": "#097479", "baseFont": BASE_FONT},
        "customTheme": theme.get("customTheme") or {"name": "Untitled Theme 1", "baseColor": "#0094CE",
                                                    "baseFont": BASE_FONT},
        "angularTheme": theme.get("angularTheme") or {"primary": "indigo", "accents": "teal", "warn": "red",
                                                      "background": "grey", "palette": "light"},
        "themeState": theme.get("themeState") or state,
    }


class UiBase(Node):
    type = "ui_base"
    category = "config"
    label = "Dashboard"
    color = "rgb(176, 223, 227)"
    is_config = True
    inputs = 0
    outputs = 0
    schema = {"type": "object", "properties": {
        "theme": prop({}, {"name": "theme-light"}, "Theme",
                      "Theme name (theme-light, theme-dark, theme-custom) with its colours (themeState)."),
        "site": prop({}, {"name": "Node-RED Dashboard", "hideToolbar": "false", "allowSwipe": "false",
                          "lockMenu": "false", "allowTempTheme": "true", "dateFormat": "DD/MM/YYYY",
                          "sizes": {"sx": 48, "sy": 48, "gx": 6, "gy": 6, "cx": 6, "cy": 6, "px": 0, "py": 0}},
                     "Site", "Title, date format and grid sizes of the dashboard."),
    }}
    help = node_help("ui_base")

    def on_start(self) -> None:
        hub = dashboard_hub(self.host.settings)
        hub.set_base({"theme": default_theme(self.config.get("theme")), "site": self.config.get("site")})

    def on_close(self, removed: bool) -> None:
        if removed:
            dashboard_hub(self.host.settings).set_base(None)


class UiTab(Node):
    type = "ui_tab"
    category = "config"
    label = "dashboard tab"
    color = "rgb(176, 223, 227)"
    is_config = True
    inputs = 0
    outputs = 0
    schema = {"type": "object", "properties": {
        "icon": prop("string", "dashboard", "Icon", "Menu icon (a Material Design or Font Awesome name)."),
        "order": prop(NUMBER, 0, "Order", "Position in the menu."),
        "disabled": prop(BOOLEAN, False, "Disabled", "Shown greyed out in the menu; cannot be opened."),
        "hidden": prop(BOOLEAN, False, "Hidden", "Not listed in the menu (ui_control can still open it)."),
    }}
    help = node_help("ui_tab")

    def layout(self) -> dict[str, Any]:
        return {"id": self.id, "header": self.name, "order": number_or(self.config.get("order") or 0, 0),
                "icon": self.config.get("icon") or "", "disabled": self.config.get("disabled") or False,
                "hidden": self.config.get("hidden") or False}


class UiGroup(Node):
    type = "ui_group"
    category = "config"
    label = "dashboard group"
    color = "rgb(176, 223, 227)"
    is_config = True
    inputs = 0
    outputs = 0
    schema = {"type": "object", "properties": {
        "tab": prop("string", "", "Tab", "The tab (ui_tab) this group is on.", **{"x-config-type": "ui_tab"}),
        "order": prop(NUMBER, 0, "Order", "Position on the tab."),
        "disp": prop(BOOLEAN, True, "Display name", "Show the group's name above it."),
        "width": prop(NUMBER, 6, "Width", "Width in grid units (1 unit = 48 px by default)."),
        "collapse": prop(BOOLEAN, False, "Collapsible", "The group can be folded by clicking its name."),
        "disabled": prop(BOOLEAN, False, "Disabled", "Not used by Dashboard 1's runtime."),
        "hidden": prop(BOOLEAN, False, "Hidden", "Not used by Dashboard 1's runtime."),
        "className": prop("string", "", "Class", "CSS class added to the group's card."),
    }}
    help = node_help("ui_group")

    def layout(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "disp": self.config.get("disp") is not False,
                "width": self.config.get("width"), "order": self.config.get("order"),
                "tab": self.config.get("tab"), "collapse": self.config.get("collapse") or False,
                "className": self.config.get("className") or ""}


class UiLink(Node):
    type = "ui_link"
    category = "config"
    label = "link"
    color = "rgb( 63, 173, 181)"
    is_config = True
    inputs = 0
    outputs = 0
    schema = {"type": "object", "properties": {
        "link": prop("string", "https://www.google.com", "Link", "The URL the menu entry opens."),
        "icon": prop("string", "open_in_browser", "Icon", "Menu icon."),
        "target": prop("string", "newtab", "Open in", "newtab, thistab or iframe (inside the dashboard)."),
        "order": prop(NUMBER, 0, "Order", "Position in the menu."),
        "className": prop("string", "", "Class", "CSS class of the menu entry."),
    }}
    help = node_help("ui_link")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self._remove: Callable[[], None] | None = None

    def on_start(self) -> None:
        hub = dashboard_hub(self.host.settings)
        self._remove = hub.add_link(self.id, {
            "name": self.name, "link": self.config.get("link"), "icon": self.config.get("icon"),
            "order": self.config.get("order") or 1, "target": self.config.get("target"),
            "className": self.config.get("className")})

    def on_close(self, removed: bool) -> None:
        if self._remove is not None:
            self._remove()
            self._remove = None


class UiSpacer(Widget):
    type = "ui_spacer"
    category = "config"
    label = "spacer"
    color = "#D4F0F8"
    is_config = True
    inputs = 0
    outputs = 0
    schema = {"type": "object", "properties": {
        "group": prop("string", "", "Group", "The group the empty cell is in.", **{"x-config-type": "ui_group"}),
        "order": prop(NUMBER, 0, "Order", "Position within the group."),
        "width": prop(NUMBER, 0, "Width", "Width in grid units."),
        "height": prop(NUMBER, 0, "Height", "Height in grid units."),
        "className": prop("string", "", "Class", "CSS class of the cell."),
    }}
    help = node_help("ui_spacer")

    def build_control(self) -> dict[str, Any]:
        return {"type": "spacer", "order": self.config.get("order"), "width": self.width(),
                "height": self.height(), "className": self.config.get("className") or ""}


NODES: list[type[Node]] = [UiBase, UiTab, UiGroup, UiLink, UiSpacer]
