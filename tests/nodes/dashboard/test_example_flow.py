"""flows/dashboard.json runs as-is: the sensors reach the gauge, chart and text; a control
operated on the page is remembered and shown on the log tab."""

from __future__ import annotations

import json
from pathlib import Path

from flowengine.testing import FlowHarness

from .page_probe import PageProbe

EXAMPLE = Path(__file__).resolve().parents[3] / "flows" / "dashboard.json"


async def test_example_dashboard_flow() -> None:
    async with FlowHarness(json.loads(EXAMPLE.read_text())) as h:
        page = PageProbe(h)
        menu = page.hub.menu()
        assert [t["header"] for t in menu] == ["Home", "Log"]
        h.inject("dash-tick")
        await h.drain()
        values = {e["id"]: e.get("value") for e in page.events("update-value")}
        assert isinstance(values["dash-gauge"], int | float) and values["dash-text"].replace(".", "").isdigit()
        page.operate("dash-switch", True)
        await h.drain()
        assert h.runtime.context.global_scope().get("last_action") == "ON"
        shown = [e for e in page.events("update-value") if e["id"] == "dash-log-view"]
        assert shown[-1]["msg"]["payload"] == "ON" and shown[-1]["msg"]["topic"] == "pump"


EXAMPLE2 = EXAMPLE.with_name("dashboard2.json")


async def test_example_dashboard2_flow() -> None:
    async with FlowHarness(json.loads(EXAMPLE2.read_text())) as h:
        page = PageProbe(h, path="dashboard")
        assert [(t["header"], t["path"]) for t in page.hub.menu()] == [("Home", "/home"), ("Log", "/log")]
        h.inject("d2-tick")
        await h.drain()
        values = {e["id"]: e.get("value") for e in page.events("update-value")}
        assert isinstance(values["d2-gauge"], int | float)
        assert values["d2-chart"][0]["append"][0][0] == "greenhouse"  # the chart gets its new point
        assert page.hub.replay["d2-chart"]["value"][0]["values"]["series"] == ["greenhouse"]
        page.operate("d2-pump", True)
        page.operate("d2-water", "")
        await h.drain()
        assert h.runtime.context.global_scope().get("last_action") == "water"
        events = page.events()
        tables = [e for e in events if e["type"] == "update-value" and e["id"] == "d2-table"]
        assert tables[-1]["value"] == [{"topic": "pump", "value": "ON"}, {"topic": "action", "value": "water"}]
        # the press carries msg._client: the notification goes to that browser only
        assert [(e["message"], e["socketid"]) for e in events if e["type"] == "show-toast"] == [("water", "page-1")]
