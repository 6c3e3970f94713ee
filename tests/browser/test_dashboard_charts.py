"""Round charts in Chromium: Dashboard 1's polar-area and radar charts drawn as such (one slice per
label with the radius for the value; a polygon per series over the labels)."""

from __future__ import annotations

import json
from typing import Any

import httpx
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



def feed(node_id: str, target: str, func: str) -> list[dict[str, Any]]:
    """A function sending several messages to ``target`` each time ``in-<node_id>`` is posted."""
    return [{"id": node_id, "type": "function", "z": "f1", "outputs": 1, "wires": [[target]], "func": func},
            {"id": f"in-{node_id}", "type": "inject", "z": "f1", "props": [{"p": "payload"}], "repeat": "",
             "once": False, "topic": "", "payload": "", "payloadType": "date", "wires": [[node_id]]}]


D2 = [{"id": "base", "type": "ui-base", "name": "Trends", "path": "/dashboard"},
      {"id": "page", "type": "ui-page", "name": "Home", "ui": "base", "path": "/home", "order": 1, "visible": "true",
       "disabled": "false"},
      {"id": "g2", "type": "ui-group", "name": "Trend", "page": "page", "width": 6, "order": 1, "showTitle": True},
      {"id": "line", "type": "ui-chart", "z": "f1", "group": "g2", "order": 1, "width": 0, "height": 0,
       "label": "line", "chartType": "line", "category": "topic", "categoryType": "msg", "xAxisType": "time",
       "removeOlder": 1, "removeOlderUnit": "3600", "removeOlderPoints": "3", "wires": []},
      *feed("points", "line", "const n = context.get('n') || 0; context.set('n', n + 1); for (let i = 1; i <= 5; i++)"
                              " node.send({topic: 'a', payload: n * 10 + i}); return null;"),
      chart("bars", "bar", 3),
      *feed("cells", "bars", "node.send({topic: 'Mon', payload: 1}); node.send({topic: 'Tue', payload: 2});"
                             "node.send({topic: 'Mon', payload: 3}); return null;")]

SHOWN = """([id, want]) => {
  const cell = document.querySelector(`[data-ui-widget="${id}"]`);
  if (!cell || !cell.dataset.value) return false;
  const [data] = JSON.parse(cell.dataset.value);
  return JSON.stringify(data ? data.data.map((row) => row.map((p) => (p && typeof p === "object" ? p.y : p))) : [])
    === JSON.stringify(want);
}"""


def test_charts_follow_changes_and_get_the_whole_data_on_reload(page: Any, server: Server) -> None:
    """The page applies what each message changed (new points, dropped ones, changed cells) and a page
    opened later gets the whole data: both show the same points."""
    server.deploy([*FLOWS, *D2])
    wait_served(server, "dashboard/home")
    page.goto(server.base + "dashboard/home")
    expect(page.locator('[data-ui-widget="line"]')).to_be_visible()
    assert httpx.post(server.base + "inject/in-points", timeout=5).status_code == 200
    page.wait_for_function(SHOWN, arg=["line", [[3, 4, 5]]])  # three kept, two dropped
    assert httpx.post(server.base + "inject/in-points", timeout=5).status_code == 200
    page.wait_for_function(SHOWN, arg=["line", [[13, 14, 15]]])
    expect(page.locator('[data-ui-widget="line"] polyline')).to_have_count(1)
    page.reload()
    page.wait_for_function(SHOWN, arg=["line", [[13, 14, 15]]])

    page.goto(server.base + "ui")
    expect(page.locator('[data-ui-widget="bars"]')).to_be_visible()
    assert httpx.post(server.base + "inject/in-cells", timeout=5).status_code == 200
    page.wait_for_function(SHOWN, arg=["bars", [[3, 2]]])
    expect(page.locator('[data-ui-widget="bars"] rect.ui-chart-bar')).to_have_count(2)
    page.reload()
    page.wait_for_function(SHOWN, arg=["bars", [[3, 2]]])
