"""Helpers for dashboard tests: a small dashboard flow, and a ``PageProbe`` standing in for a browser.

``PageProbe`` is a real hub client (the same queue a websocket drains) connected to the runtime's
hub: ``events()`` returns what a page would have received, ``operate()`` sends what a page sends
when a widget is operated.
"""

from __future__ import annotations

import json
from typing import Any

from flowengine.nodes.dashboard.clients import Client
from flowengine.nodes.dashboard.hub import DashboardHub, dashboard_hub

from flowengine.testing import FlowHarness

TAB = {"id": "tab1", "type": "ui_tab", "name": "Home", "icon": "dashboard", "order": 1, "disabled": False,
       "hidden": False}
GROUP = {"id": "grp1", "type": "ui_group", "name": "Sensors", "tab": "tab1", "order": 1, "disp": True, "width": "6",
         "collapse": False, "className": ""}
BASE = {"id": "base1", "type": "ui_base", "theme": {"name": "theme-light"}, "site": {"name": "Test Dashboard"}}


def dashboard_flow(*nodes: dict[str, Any]) -> list[dict[str, Any]]:
    """A tab, a group, ``ui_base`` and the given nodes (widgets default to the group)."""
    out = [dict(TAB), dict(GROUP), dict(BASE)]
    for n in nodes:
        n = dict(n)
        if n["type"].startswith("ui_") and n["type"] not in ("ui_toast", "ui_ui_control", "ui_link"):
            n.setdefault("group", "grp1")
        out.append(n)
    return out


class PageProbe:
    """A connected page, as the hub sees it."""

    def __init__(self, harness: FlowHarness, socket_id: str = "page-1", path: str | None = None) -> None:
        self.hub: DashboardHub = dashboard_hub(harness.settings, path)
        self.client = Client(socket_id, "127.0.0.1", 10_000)
        self.hub.connected(self.client)

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Events received since the last call (of one type when ``kind`` is given)."""
        out = [json.loads(text) for text in self.client.drain()]
        return [e for e in out if kind is None or e["type"] == kind]

    def operate(self, node_id: str, value: Any, **extra: Any) -> None:
        self.hub.received(self.client, {"type": "update-value", "id": node_id, "value": value, **extra})

    def send(self, kind: str, **data: Any) -> None:
        self.hub.received(self.client, {"type": kind, **data})

    def close(self) -> None:
        self.hub.disconnected(self.client)
