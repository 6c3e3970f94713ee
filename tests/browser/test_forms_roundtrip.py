"""Every node of the corpus flows, opened in its form and closed with Done, round-trips unchanged.

For each case of tests/compat/cases/*.flow.json and each example flow of flows/: deploy it, load
it into the editor, open each node (canvas nodes in #inspector, config nodes in
#config-inspector) and press Done, then compare the editor's copy with what was stored, deploy
from the editor and compare GET /flows with it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

REPO = Path(__file__).resolve().parents[2]
CASES = sorted((REPO / "tests" / "compat" / "cases").glob("*.flow.json")) + sorted((REPO / "flows").glob("*.json"))

OPEN_AND_DONE = """async (id) => {
  const app = window.__editor.app;
  const node = app.model.get(id);
  const main = app.model.isCanvasNode(node);
  if (main) app.inspector.edit(node, { main: true });
  else app.inspector.edit(node, {});
  return main;
}"""


def _diff(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {k: [a.get(k, "<absent>"), b.get(k, "<absent>")] for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}


def _strip(flows: list[dict[str, Any]]) -> dict[str, Any]:
    return {n["id"]: n for n in flows}


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name.split(".")[0])
def test_forms_roundtrip_corpus(editor: Any, server: Any, case: Path) -> None:
    page = editor
    flows = json.loads(case.read_text())
    server.deploy(flows)
    stored = server.flows()["flows"]
    page.evaluate("() => window.__editor.app.reload()")
    page.wait_for_function(f"() => window.__editor.app.model.rev === {json.dumps(server.flows()['rev'])}")
    ids = page.evaluate(
        """() => { const m = window.__editor.app.model;
        const skip = ['tab', 'subflow', 'group', 'junction'];
        return m.all().filter((o) => !skip.includes(o.type) && m.def(o)).map((o) => o.id); }"""
    )
    opened = 0
    for node_id in ids:
        main = page.evaluate(OPEN_AND_DONE, node_id)
        dialog = page.locator("#inspector" if main else "#config-inspector")
        expect(dialog).to_be_visible()
        dialog.locator(f'[data-action="{"inspector-done" if main else "config-done"}"]').click()
        expect(dialog).to_have_count(0)
        opened += 1
    got = page.evaluate("() => window.__editor.app.model.exportAll()")
    before = _strip(stored)
    after = _strip(got)
    changed = {i: _diff(before[i], after.get(i) or {}) for i in before if before[i] != after.get(i)}
    assert not changed, f"{case.name}: forms changed {json.dumps(changed, indent=1)[:3000]}"
    if page.locator("#deploy").get_attribute("data-state") == "dirty":
        page.locator("#deploy").click()
        expect(page.locator("#deploy")).to_have_attribute("data-state", "clean")
    assert _strip(server.flows()["flows"]) == before
    assert opened == len(ids)
