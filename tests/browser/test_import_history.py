"""Import a Node-RED export and deploy it; export never carries credentials; undo/redo."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from .helpers import add_node, centre, deploy, drag, import_json, state, wire

TAB = "f1a2b3c4d5e6f708"
NODE_RED_EXPORT = [
    {"id": TAB, "type": "tab", "label": "Imported flow", "disabled": False, "info": "", "env": []},
    {
        "id": "a1b2c3d4e5f60718",
        "type": "inject",
        "z": TAB,
        "name": "tick",
        "props": [{"p": "payload"}, {"p": "topic", "vt": "str"}],
        "repeat": "",
        "crontab": "",
        "once": False,
        "onceDelay": 0.1,
        "topic": "t1",
        "payload": "41",
        "payloadType": "num",
        "x": 130,
        "y": 80,
        "wires": [["b1c2d3e4f5a60718"]],
    },
    {
        "id": "b1c2d3e4f5a60718",
        "type": "change",
        "z": TAB,
        "name": "",
        "rules": [{"t": "set", "p": "answer", "pt": "msg", "to": "payload + 1", "tot": "jsonata"}],
        "action": "",
        "property": "",
        "from": "",
        "to": "",
        "reg": False,
        "x": 320,
        "y": 80,
        "wires": [["c1d2e3f4a5b60718"]],
    },
    {
        "id": "c1d2e3f4a5b60718",
        "type": "debug",
        "z": TAB,
        "name": "show answer",
        "active": True,
        "tosidebar": True,
        "console": False,
        "tostatus": False,
        "complete": "answer",
        "targetType": "msg",
        "statusVal": "",
        "statusType": "auto",
        "x": 540,
        "y": 80,
        "wires": [],
    },
    {
        "id": "d1e2f3a4b5c60718",
        "type": "openai-config",
        "name": "mock",
        "base_url": "http://127.0.0.1:9/v1",
        "credentials": {"api_key": "sk-must-not-leak"},
    },
]


def test_import_node_red_export_and_deploy(editor: Any, server: Any, shot: Any) -> None:
    page = editor
    import_json(page, json.dumps(NODE_RED_EXPORT))
    expect(page.locator(f'[data-tab-id="{TAB}"]')).to_have_attribute("aria-selected", "true")
    expect(page.locator("[data-node-id]")).to_have_count(3)
    expect(page.locator('[data-wire="a1b2c3d4e5f60718:0->b1c2d3e4f5a60718"]')).to_have_count(1)
    shot(page, "imported")
    deploy(page)
    ids = {n["id"] for n in server.flows()["flows"]}
    assert {o["id"] for o in NODE_RED_EXPORT} <= ids
    page.locator('[data-node-id="a1b2c3d4e5f60718"] [data-action="inject"]').click()
    expect(page.locator("#debug .debug-message").first).to_contain_text("42")
    expect(page.locator("#debug .debug-message").first).to_contain_text("show answer")

    page.locator("[data-action='export']").first.click()
    page.locator("[data-action='export-scope']").select_option("all")
    exported = json.loads(page.locator("#export-json").input_value())
    assert {o["id"] for o in NODE_RED_EXPORT} <= {o["id"] for o in exported}
    assert "sk-must-not-leak" not in json.dumps(exported) and all("credentials" not in o for o in exported)
    page.locator("[data-action='export-close']").click()

    # Importing the same ids again re-ids the copies instead of clobbering the originals.
    import_json(page, json.dumps(NODE_RED_EXPORT[1:4]))
    assert len([n for n in state(page)["nodes"] if n["z"] == TAB]) == 6


def test_import_rejects_bad_json(editor: Any) -> None:
    page = editor
    page.locator("[data-action='import']").first.click()
    page.locator("#import-json").fill('[{"type": "inject"}]')
    page.locator("[data-action='import-confirm']").click()
    expect(page.locator("#import-error")).to_contain_text('has no "id"')
    page.locator("#import-json").fill("{not json")
    page.locator("[data-action='import-confirm']").click()
    expect(page.locator("#import-error")).to_contain_text("not valid JSON")


def test_undo_redo(editor: Any) -> None:
    page = editor
    a = add_node(page, "inject", 150, 150)
    b = add_node(page, "debug", 420, 150)
    wire(page, a, b)
    label = f'[data-node-id="{b}"] .node-label'
    x, y = centre(page, label)
    drag(page, (x, y), (x + 80, y + 100))
    moved = {n["id"]: n for n in state(page)["nodes"]}[b]
    page.locator(f'[data-node-id="{a}"]').click()
    page.keyboard.press("Delete")
    expect(page.locator("[data-node-id]")).to_have_count(1)
    expect(page.locator("[data-wire]")).to_have_count(0)

    page.keyboard.press("Control+z")  # delete undone: node and its wire are back
    expect(page.locator("[data-node-id]")).to_have_count(2)
    expect(page.locator(f'[data-wire="{a}:0->{b}"]')).to_have_count(1)
    page.keyboard.press("Control+z")  # move undone
    assert {n["id"]: n for n in state(page)["nodes"]}[b]["y"] != moved["y"]
    page.keyboard.press("Control+z")  # wire undone
    expect(page.locator("[data-wire]")).to_have_count(0)
    page.keyboard.press("Control+y")  # wire redone
    expect(page.locator(f'[data-wire="{a}:0->{b}"]')).to_have_count(1)
    page.keyboard.press("Control+Shift+z")  # move redone
    assert {n["id"]: n for n in state(page)["nodes"]}[b]["y"] == moved["y"]
    page.locator("[data-action='undo']").click()
    page.locator("[data-action='undo']").click()
    page.locator("[data-action='undo']").click()
    page.locator("[data-action='undo']").click()
    expect(page.locator("[data-node-id]")).to_have_count(0)
    expect(page.locator("#deploy")).to_have_attribute("data-state", "clean")

    # Copy/paste duplicates with new ids; undo removes the paste.
    a = add_node(page, "inject", 150, 150)
    page.locator(f'[data-node-id="{a}"]').click()
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    expect(page.locator('[data-node-type="inject"]')).to_have_count(2)
    page.keyboard.press("Control+z")
    expect(page.locator('[data-node-type="inject"]')).to_have_count(1)
