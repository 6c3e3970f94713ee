"""Round charts in Chromium: Dashboard 1's polar-area and radar charts drawn as such (one slice per
label with the radius for the value; a polygon per series over the labels)."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from .conftest import Server
from .test_dashboard import wait_served

TAB = {"id": "f1", "type": "tab", "label": "Flow 1", "disabled": False, "info": "", "env": []}


def chart(node_id: str, kind: str, order: int) -> dict[str, Any]:
    return {"id": node_id, "type": "ui_chart", "z": "f1", "group": "grp", "order": order, "width": 0, "height": 0,
            "label": kind, "chartType": kind, "legend": "true", "wires": []}


def inject(topic: str, value: int) -> dict[str, Any]:
    return {"id": f"in-{topic}", "type": "inject", "z": "f1", "props": [{"p": "payload"}, {"p": "topic", "vt": "str"}],
            "repeat": "", "once": True, "onceDelay": 0.1, "topic": topic, "payload": json.dumps(value),
            "payloadType": "json", "wires": [["polar", "radar"]]}


FLOWS = [TAB, {"id": "home", "type": "ui_tab", "name": "Home", "order": 1},
         {"id": "grp", "type": "ui_group", "name": "Charts", "tab": "home", "order": 1, "width": "12"},
         chart("polar", "polar-area", 1), chart("radar", "radar", 2),
         inject("north", 3), inject("east", 6), inject("south", 9)]


def test_polar_area_and_radar_charts(page: Any, server: Server) -> None:
    server.deploy(FLOWS)
    wait_served(server, "ui/")
    page.goto(server.base + "ui")
    polar = page.locator('[data-ui-widget="polar"]')
    expect(polar.locator("path.ui-chart-slice")).to_have_count(3)
    radar = page.locator('[data-ui-widget="radar"]')
    expect(radar.locator("polygon.ui-chart-radar")).to_have_count(1)
    expect(radar.locator("text.ui-chart-axis")).to_have_count(3)
    # the radius shows the value: 9 against 3 is a slice about 9 times the area
    boxes = [polar.locator("path.ui-chart-slice").nth(i).bounding_box() for i in range(3)]
    areas = sorted(b["width"] * b["height"] for b in boxes)
    assert areas[2] > 4 * areas[0]
