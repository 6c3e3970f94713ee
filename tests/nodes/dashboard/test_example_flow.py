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
