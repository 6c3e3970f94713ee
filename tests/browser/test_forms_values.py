"""Every core and dashboard type's form keeps object and array values through open + Done.

One node of each type, its properties set to the schema defaults and, where a property may hold an
object (untyped, or typed object/array), to a nested object: opened in its form (canvas nodes in
#inspector, config nodes in #config-inspector), closed with Done, deployed; GET /flows must hold
exactly what was stored. The case that found it: ui_base's ``theme`` object came back as the text
"[object Object]" (the form took it for a reference to a Dashboard 2 ``ui-theme`` config node).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from playwright.sync_api import expect

SKIP_MODULES = {"openai"}
SAMPLE = {"name": "theme-dark", "deep": {"n": 1, "list": [1, "two", {"three": 3}]}}
# Lists whose default is empty, filled as each node's own editor would fill them ("@type": the id of
# the flow's node of that type).
LISTS: dict[tuple[str, str], Any] = {
    ("function", "libs"): [{"var": "fs", "module": "fs"}],
    ("batch", "topics"): [{"topic": "a"}, {"topic": "b"}],
    ("complete", "scope"): ["@function"],
    ("link in", "links"): ["@link out"],
    ("link out", "links"): ["@link in"],
    ("link call", "links"): ["@link in"],
    ("http proxy", "noproxy"): ["localhost", "10.0.0.1"],
    ("ui-page", "breakpoints"): [{"name": "Default", "px": 0, "cols": 3}, {"name": "Wide", "px": 768, "cols": 6}],
    ("ui-table", "columns"): [{"key": "a", "label": "A", "type": "text", "align": "start", "width": ""}],
    ("ui-chart", "colors"): ["#ff0000", "#00ff00"],
    ("ui-button-group", "options"): [{"label": "A", "icon": "", "value": "a", "valueType": "str"}],
    ("ui-form", "options"): [{"label": "Name", "key": "name", "type": "text", "required": True, "rows": None}],
    ("ui-form", "dropdownOptions"): [{"dropdown": "x", "value": "a", "label": "A"}],
}


def _types(schema: dict[str, Any]) -> set[str]:
    t = schema.get("type")
    out = {t} if isinstance(t, str) else set(t or [])
    for key in ("anyOf", "oneOf"):
        for v in schema.get(key) or []:
            out |= _types(v)
    return out


def _node(desc: dict[str, Any], index: int) -> tuple[dict[str, Any], list[str]]:
    """A node of the described type with every default set; the properties given an object."""
    props = desc["schema"].get("properties") or {}
    node: dict[str, Any] = {"id": f"n{index}", "type": desc["type"], "name": f"{desc['type']} {index}"}
    objects = []
    for key, schema in props.items():
        if key in ("name", "id", "type", "z", "x", "y", "wires", "g", "d"):
            continue
        if "default" in schema:
            node[key] = schema["default"]
        kinds = _types(schema)
        paired = any(k in props for k in (f"{key}Type", f"{key}t"))
        if not paired and not schema.get("enum") and (not kinds or "object" in kinds):
            node[key] = SAMPLE
            objects.append(key)
    if not desc["config"]:
        node.update({"z": "tab1", "x": 120 + (index % 8) * 140, "y": 60 + (index // 8) * 60})
        node["wires"] = [[] for _ in range(desc["outputs"] or 0)] if isinstance(desc["outputs"], int) else []
    return node, objects


def test_forms_keep_object_values(editor: Any, server: Any) -> None:
    page = editor
    descs = httpx.get(server.base + "node-types", timeout=10).json()
    descs = [d for d in descs if d["module"] not in SKIP_MODULES and not d["type"].startswith("subflow")]
    nodes, with_objects = [], {}
    for i, d in enumerate(descs):
        node, objects = _node(d, i)
        nodes.append(node)
        with_objects[node["id"]] = (d["type"], objects)
    ids = {n["type"]: n["id"] for n in nodes}
    for node in nodes:
        for (t, key), sample in LISTS.items():
            if node["type"] == t:
                node[key] = [ids[v[1:]] if isinstance(v, str) and v.startswith("@") else v for v in sample]
    # references point at the flow's one config node of their type (an empty one would be filled in:
    # the picker pre-selects the only config node, as Node-RED's does)
    config_ids = {n["type"]: n["id"] for n, d in zip(nodes, descs, strict=True) if d["config"]}
    for node, d in zip(nodes, descs, strict=True):
        for key, schema in (d["schema"].get("properties") or {}).items():
            ref = schema.get("x-config-type")
            if isinstance(ref, str) and ref in config_ids and ref != d["type"]:
                node[key] = config_ids[ref]
    tab = {"id": "tab1", "type": "tab", "label": "Flow 1", "disabled": False, "info": "", "env": []}
    r = httpx.post(server.base + "flows", json={"flows": [tab, *nodes]},
                   headers={"Node-RED-API-Version": "v2", "Node-RED-Deployment-Type": "full"}, timeout=30)
    assert r.status_code == 200, r.text
    stored = {n["id"]: n for n in server.flows()["flows"]}
    assert any(k == "theme" for t, ks in with_objects.values() if t == "ui_base" for k in ks)
    by_type = {n["type"]: n for n in stored.values()}
    assert by_type["link in"]["links"] == [by_type["link out"]["id"]] and by_type["ui-table"]["columns"]
    page.evaluate("() => window.__editor.app.reload()")
    page.wait_for_function(f"() => window.__editor.app.model.rev === {json.dumps(server.flows()['rev'])}")
    for node in nodes:
        main = page.evaluate(
            """(id) => { const app = window.__editor.app; const node = app.model.get(id);
            const main = app.model.isCanvasNode(node); app.inspector.edit(node, main ? { main: true } : {});
            return main; }""",
            node["id"],
        )
        dialog = page.locator("#inspector" if main else "#config-inspector")
        expect(dialog).to_be_visible()
        dialog.locator(f'[data-action="{"inspector-done" if main else "config-done"}"]').click()
        expect(dialog).to_have_count(0)
    if page.locator("#deploy").get_attribute("data-state") == "dirty":
        page.locator("#deploy").click()
        expect(page.locator("#deploy")).to_have_attribute("data-state", "clean")
    after = {n["id"]: n for n in server.flows()["flows"]}
    changed = {
        f"{i} ({with_objects[i][0]})": {k: [stored[i].get(k), after[i].get(k)] for k in set(stored[i]) | set(after[i])
                                          if stored[i].get(k) != after[i].get(k)}
        for i in with_objects if stored[i] != after.get(i)
    }
    assert not changed, json.dumps(changed, indent=1)[:4000]


def test_theme_edited_as_json_is_saved_as_object(editor: Any, server: Any) -> None:
    """Editing ui_base's theme in its JSON field and pressing Done saves an object, not text."""
    page = editor
    base = {"id": "base1", "type": "ui_base", "theme": {"name": "theme-light"}, "site": {"name": "Plant"}}
    tab = {"id": "tab1", "type": "tab", "label": "Flow 1", "disabled": False, "info": "", "env": []}
    server.deploy([tab, base])
    page.evaluate("() => window.__editor.app.reload()")
    page.wait_for_function(f"() => window.__editor.app.model.rev === {json.dumps(server.flows()['rev'])}")
    page.evaluate("() => { const app = window.__editor.app; app.inspector.edit(app.model.get('base1'), {}); }")
    dialog = page.locator("#config-inspector")
    field = dialog.locator('[name="theme"]')
    expect(field).to_have_value(json.dumps({"name": "theme-light"}, indent=2))
    field.fill(json.dumps({"name": "theme-dark"}))
    dialog.locator('[data-action="config-done"]').click()
    expect(dialog).to_have_count(0)
    page.locator("#deploy").click()
    expect(page.locator("#deploy")).to_have_attribute("data-state", "clean")
    saved = next(n for n in server.flows()["flows"] if n["id"] == "base1")
    assert saved["theme"] == {"name": "theme-dark"}
    assert saved["site"] == {"name": "Plant"}


def test_properties_named_like_config_types_are_not_pickers(editor: Any, server: Any) -> None:
    """Only declared references get a config-node picker: an OpenAI list operation's ``page`` (a
    pagination cursor) stays a text field although Dashboard 2 has a ``ui-page`` config type."""
    page = editor
    node = {"id": "costs", "type": "openai-usage-costs", "z": "tab1", "name": "", "page": "cursor-1",
            "x": 200, "y": 100, "wires": [[]]}
    page.evaluate("(n) => { const app = window.__editor.app; app.history.run('add', () => { "
                  "app.model.items.set(n.id, n); app.model._changed('add', [n.id]); }); app.render(); }", node)
    page.evaluate("() => window.__editor.app.openInspector('costs')")
    dialog = page.locator("#inspector")
    expect(dialog).to_be_visible()
    field = dialog.locator('[name="page"]')
    expect(field).to_have_value("cursor-1")
    assert field.evaluate("(el) => el.tagName") == "INPUT"
    expect(dialog.locator('select.config-ref[data-config-type="ui-page"]')).to_have_count(0)
    dialog.locator('[data-action="inspector-done"]').click()
    expect(dialog).to_have_count(0)
    saved = page.evaluate("() => window.__editor.app.model.get('costs').page")
    assert saved == "cursor-1"
