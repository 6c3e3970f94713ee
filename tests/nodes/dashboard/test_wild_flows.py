"""Real users' flows built with node-red-dashboard (../shared/nodered/wild) load and run.

Every wild flow file that uses Dashboard 1's ``ui_*`` (or Dashboard 2's ``ui-*``) nodes and no other
type flowengine lacks
validates without an error about a dashboard node; those without network nodes also start and run
for a moment without a dashboard node reporting an error.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from shared_dir import SHARED

from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.settings import Settings
from flowengine.testing import FlowHarness

WILD = SHARED / "nodered" / "wild" / "flows"
REGISTRY = Registry.default()
DASHBOARD = {t for t in REGISTRY.types() if REGISTRY.module_of(t) == "dashboard"}
STRUCTURE = {"tab", "group", "subflow", "junction", "global-config", "comment"}
OFFLINE = {"inject", "debug", "function", "change", "switch", "template", "delay", "trigger", "rbe", "range",
           "json", "split", "join", "link in", "link out", "catch", "status", "complete"}


def _flows(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8-sig"))
    if isinstance(data, dict):
        data = data.get("flows", [])
    return [o for o in data if isinstance(o, dict)]


def _types(flows: list[dict[str, Any]]) -> set[str]:
    return {str(o.get("type")) for o in flows}


def _known(t: str) -> bool:
    return t in REGISTRY or t in STRUCTURE or t.startswith("subflow:")


def dashboard_files() -> list[Path]:
    if not WILD.is_dir():
        return []
    out = []
    for path in sorted(WILD.glob("*.json")):
        types = _types(_flows(path))
        if types & DASHBOARD and all(_known(t) for t in types):
            out.append(path)
    return out


FILES = dashboard_files()
needs_wild = pytest.mark.skipif(not FILES, reason=f"needs the wild flows in {WILD} (set FLOWENGINE_SHARED)")


@needs_wild
def test_the_wild_set_has_the_dashboard_flows_it_is_known_for() -> None:
    # 95 of the 224 files use ui_* nodes, 12 ui-* (2 both); 32 and 5 need no other type flowengine lacks
    assert len(FILES) >= 32
    assert sum(1 for p in FILES if any(t.startswith("ui-") for t in _types(_flows(p)))) >= 5


@needs_wild
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_wild_dashboard_flow_validates(path: Path, tmp_path: Path) -> None:
    runtime = Runtime(REGISTRY, Settings(user_dir=tmp_path), persist=False)
    errors = [p for p in runtime.check(_flows(path)) if p.level == "error"]
    assert [str(p) for p in errors if p.node_type in DASHBOARD] == []


@needs_wild
def test_every_wild_dashboard_flow_validates_without_any_error(tmp_path: Path) -> None:
    runtime = Runtime(REGISTRY, Settings(user_dir=tmp_path), persist=False)
    refused = {p.name: [str(e) for e in runtime.check(_flows(p)) if e.level == "error"] for p in FILES}
    assert {name: errors for name, errors in refused.items() if errors} == {}


RUNNABLE = [p for p in FILES if _types(_flows(p)) <= DASHBOARD | STRUCTURE | OFFLINE]


@needs_wild
@pytest.mark.parametrize("path", RUNNABLE, ids=[p.stem for p in RUNNABLE])
async def test_wild_dashboard_flow_runs(path: Path) -> None:
    flows = _flows(path)
    async with FlowHarness(flows) as h:
        if h.runtime.state != "start":
            pytest.skip(f"does not start here: {h.runtime.problems[:2]}")
        await asyncio.sleep(0.2)  # charts redraw 100 ms after start; inject 'once' nodes fire
        await h.drain()
        ui_errors = [text for level, node_id, text in h.logs
                     if level >= logging.ERROR and str(_by_id(flows, node_id).get("type")) in DASHBOARD]
        assert ui_errors == []


def _by_id(flows: list[dict[str, Any]], node_id: str) -> dict[str, Any]:
    return next((o for o in flows if o.get("id") == node_id), {})
