"""Dashboard 1 gauges in Chromium coloured as node-red-dashboard draws them (JustGage): a gradient
through the node's colours when no sectors are set, the sector's own colour with seg1/seg2 (bounds
belong to the lower sector), the colours reversed when max is below min, and a pointer at the value."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from .conftest import Server
from .test_dashboard import wait_served

TAB = {"id": "f1", "type": "tab", "label": "Flow 1", "disabled": False, "info": "", "env": []}
COLOURS = ["#00B500", "#E6E600", "#CA3838"]


def gauge(node_id: str, order: int, **props: Any) -> dict[str, Any]:
    return {"id": node_id, "type": "ui_gauge", "z": "f1", "group": "grp", "order": order, "width": 0, "height": 0,
            "gtype": "gage", "title": node_id, "label": "", "format": "{{value}}", "min": 0, "max": 100,
            "colors": COLOURS, "seg1": "", "seg2": "", "wires": [], **props}


def inject(node_id: str, value: float, targets: list[str]) -> dict[str, Any]:
    return {"id": node_id, "type": "inject", "z": "f1", "props": [{"p": "payload"}], "repeat": "", "once": True,
            "onceDelay": 0.1, "topic": "", "payload": json.dumps(value), "payloadType": "json", "wires": [targets]}


FLOWS = [TAB, {"id": "home", "type": "ui_tab", "name": "Home", "order": 1},
         {"id": "grp", "type": "ui_group", "name": "Gauges", "tab": "home", "order": 1, "width": "12"},
         gauge("gradient", 1), gauge("sectors", 2, seg1="30", seg2="70"), gauge("bound", 3, seg1="30", seg2="70"),
         gauge("reversed", 4, min=100, max=0), gauge("donut", 5, gtype="donut"),
         inject("in-25", 25, ["gradient", "reversed", "donut"]), inject("in-50", 50, ["sectors"]),
         inject("in-30", 30, ["bound"])]


def bar_colour(page: Any, node_id: str) -> str:
    bar = page.locator(f'[data-ui-widget="{node_id}"] .ui-gauge-bar')
    return str(bar.get_attribute("stroke"))


def test_gauge_level_colours_and_pointer(page: Any, server: Server, shot: Any) -> None:
    server.deploy(FLOWS)
    wait_served(server, "ui/")
    page.goto(server.base + "ui")
    for node_id, value in (("gradient", "25"), ("sectors", "50"), ("bound", "30"), ("reversed", "25")):
        expect(page.locator(f'[data-ui-widget="{node_id}"]')).to_have_attribute("data-value", value)
    # a quarter of the way: halfway between the first two colours (0x00,0xB5,0x00 and 0xE6,0xE6,0x00)
    assert bar_colour(page, "gradient") == "rgb(115,205,0)"
    assert bar_colour(page, "donut") == "rgb(115,205,0)"
    assert bar_colour(page, "sectors") == "#E6E600"  # 50 is in 30..70
    assert bar_colour(page, "bound") == "#00B500"  # 30 ends the first sector
    # max below min: the colours run the other way (25: halfway between the last two, red and yellow)
    assert bar_colour(page, "reversed") == "rgb(216,143,28)"
    assert page.locator('[data-ui-widget="gradient"] .ui-gauge-sectors path').count() == 0  # Dashboard 1 draws no bands
    expect(page.locator('[data-ui-widget="gradient"] .ui-gauge-pointer')).to_be_visible()
    expect(page.locator('[data-ui-widget="donut"] .ui-gauge-pointer')).to_be_hidden()
    shot(page, "dashboard-gauges")

    stops = page.evaluate("""async () => {
        const { gradientColour, levelColour } = await import("./widgets/gauge_colour.js");
        const item = { min: 0, max: 10, colors: ["#000000", "#ffffff"] };
        return [gradientColour(["#000", "#fff"], 0), gradientColour(["#000000", "#ffffff"], 1),
                levelColour(item, 5), levelColour(item, -3), levelColour(item, 99),
                levelColour({ min: 0, max: 10, colors: ["red", "blue"] }, 8),
                levelColour({ min: 0, max: 10, sectors: [{ from: 0, color: "#111" }, { from: 4, color: "#222" }] }, 4)];
    }""")
    assert stops == ["rgb(0,0,0)", "rgb(255,255,255)", "rgb(127,127,127)", "rgb(0,0,0)", "rgb(255,255,255)",
                     "blue", "#222"]
