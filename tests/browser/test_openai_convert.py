"""The inspector of a compat OpenAI node (or an old type name) offers the equivalent openai-* node."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from .helpers import import_json, state

FLOW = [
    {"id": "cv-cfg", "type": "openai-config", "name": "tenant"},
    {"id": "cv-seed", "type": "openai", "name": "seed file", "method": "retrieveFile", "retrieveFile_fileId": "file-9",
     "retrieveFile_fileIdType": "str", "x": 200, "y": 120, "wires": [[]]},
    {"id": "cv-old", "type": "openai-create-project-service-account-api-key", "name": "old name", "project_id": "p1",
     "config": "cv-cfg", "x": 200, "y": 220, "wires": [[]]},
]


def _converted(page: Any, node_type: str, expected_type: str, button: str) -> dict[str, Any]:
    node = page.locator(f'[data-node-type="{node_type}"]').first
    node_id = node.get_attribute("data-node-id")
    node.dblclick()
    inspector = page.locator("#inspector")
    offer = inspector.locator('[data-action="openai-convert"]')
    expect(offer).to_have_text(button)
    offer.click()
    expect(page.locator("#inspector")).to_have_count(0)
    expect(page.locator(f'[data-node-id="{node_id}"]')).to_have_attribute("data-node-type", expected_type)
    nodes = {n["id"]: n for n in page.evaluate("JSON.parse(window.__editor.app.model.snapshot())")}
    return dict(nodes[node_id])


def test_convert_a_seed_node_and_rename_an_old_type(editor: Any) -> None:
    page = editor
    import_json(page, json.dumps(FLOW))
    seed = _converted(page, "openai", "openai-retrieve-file", "Convert to openai-* node")
    assert seed["file_id"] == "file-9" and seed["name"] == "seed file" and seed["config"]
    assert not any(k.startswith("retrieveFile_") for k in seed)
    expect(page.locator("#notices")).to_contain_text("Converted to openai-retrieve-file")
    target = page.evaluate("window.__editor.app.model.types.get("
                           "'openai-create-project-service-account-api-key').schema['x-alias-of']")
    old = _converted(page, "openai-create-project-service-account-api-key", target, f"Rename to {target}")
    assert old["project_id"] == "p1"
    page.evaluate("window.__editor.app.history.undo()")  # one undoable step each
    types = {n["type"] for n in state(page)["nodes"]}
    assert "openai-create-project-service-account-api-key" in types and target not in types
    page.locator('[data-node-type="openai-retrieve-file"]').first.dblclick()
    expect(page.locator("#inspector")).to_be_visible()
    expect(page.locator("#inspector .openai-convert")).to_have_count(0)  # an openai-* node gets no offer
    page.locator('#inspector [data-action="inspector-cancel"]').click()
