"""Issue 11, everyday editing continued: Node-RED's node and port labels, quick-add ranking, the
examples library, importing into a new tab, the unknown-types deploy dialog, Restart flows, debug
pause / copy, the navigator and fit. Results are checked in ``GET /flows`` after a deploy."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from .helpers import deploy, import_json, state, workspace_point

LABELLED = [
    {"id": "i1", "type": "inject", "z": "tab1", "name": "", "props": [{"p": "payload"}, {"p": "topic", "vt": "str"}],
     "payload": "", "payloadType": "date", "topic": "", "repeat": "5", "once": False, "x": 150, "y": 80, "wires": [[]]},
    {"id": "i2", "type": "inject", "z": "tab1", "name": "", "props": [{"p": "payload"}, {"p": "topic", "vt": "str"}],
     "payload": "hello", "payloadType": "str", "topic": "greet", "repeat": "", "once": False, "x": 150, "y": 140,
     "wires": [[]]},
    {"id": "i3", "type": "inject", "z": "tab1", "name": "", "props": [{"p": "payload"}], "payload": "",
     "payloadType": "date", "topic": "", "repeat": "", "once": False, "x": 150, "y": 200, "wires": [[]]},
    {"id": "d1", "type": "debug", "z": "tab1", "name": "", "active": True, "tosidebar": True, "complete": "status.code",
     "targetType": "msg", "x": 400, "y": 80, "wires": []},
    {"id": "d2", "type": "debug", "z": "tab1", "name": "", "active": True, "tosidebar": True, "complete": "true",
     "targetType": "full", "x": 400, "y": 140, "wires": []},
    {"id": "f1", "type": "function", "z": "tab1", "name": "", "func": "return msg", "language": "python", "outputs": 1,
     "x": 400, "y": 200, "wires": [[]]},
    {"id": "s1", "type": "switch", "z": "tab1", "name": "", "property": "payload", "propertyType": "msg",
     "rules": [{"t": "gt", "v": "10", "vt": "num"}, {"t": "else"}], "checkall": "true", "repair": False,
     "outputs": 2, "x": 400, "y": 280, "wires": [[], []]},
    {"id": "c1", "type": "change", "z": "tab1", "name": "", "rules": [
        {"t": "set", "p": "topic", "pt": "msg", "to": "x", "tot": "str"}], "x": 620, "y": 80, "wires": [[]]},
]


def _label(page: Any, node: str) -> str:
    return str(page.locator(f'[data-node-id="{node}"] .node-label').text_content())


def test_node_and_port_labels_as_node_red_draws_them(editor: Any) -> None:
    page = editor
    import_json(page, json.dumps(LABELLED))
    assert _label(page, "i1") == "timestamp\t↻"  # a repeating inject carries the repeat marker
    assert _label(page, "i2") == "greet:hello"
    assert _label(page, "i3") == "timestamp"
    assert _label(page, "d1") == "msg.status.code"
    assert _label(page, "d2") == "msg"
    assert _label(page, "f1") == "function"
    assert _label(page, "c1") == "set msg.topic"
    ports = page.locator('[data-node-id="s1"] [data-port^="out:"]')
    expect(ports.nth(0)).to_have_attribute("data-port-label", "> 10")
    expect(ports.nth(1)).to_have_attribute("data-port-label", "otherwise")
    expect(page.locator('[data-node-id="s1"] [data-port="out:0"] title')).to_have_text("> 10")
    expect(page.locator('[data-node-id="i2"] [data-port="out:0"]')).to_have_attribute(
        "data-port-label", "payload: string\ntopic: string")


def _quick_add(page: Any, text: str, row: int = 0) -> list[str]:
    page.mouse.dblclick(*workspace_point(page, 400, 100 + 60 * row))  # each on its own row: a node lands there
    box = page.locator("[data-quickadd] input")
    expect(box).to_be_focused()
    box.fill(text)
    return list(page.locator("[data-quickadd-type]").evaluate_all("els => els.map(e => e.dataset.quickaddType)"))


def test_quick_add_ranks_exact_core_types_first_and_remembers_recent(editor: Any, server: Any) -> None:
    page = editor
    page.evaluate("localStorage.removeItem('flowengine.recentTypes')")
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    empty = _quick_add(page, "")
    assert empty[:3] == ["inject", "debug", "function"], empty
    assert not [t for t in empty if t.startswith("openai")], empty
    page.keyboard.press("Escape")
    found = _quick_add(page, "function")
    assert found[0] == "function", found
    page.keyboard.press("Enter")
    nodes = state(page)["nodes"]
    assert [n["type"] for n in nodes] == ["function"]
    assert _quick_add(page, "sw", 1)[0] == "switch"
    page.keyboard.press("Enter")
    assert _quick_add(page, "", 2)[:2] == ["switch", "function"]  # recently used first
    page.keyboard.press("Escape")
    # ctrl+click on the empty canvas opens it too
    page.keyboard.down("Control")
    page.mouse.click(*workspace_point(page, 300, 500))
    page.keyboard.up("Control")
    expect(page.locator("[data-quickadd] input")).to_be_focused()
    page.keyboard.type("debug")
    page.keyboard.press("Enter")
    deploy(page)
    types = sorted(n["type"] for n in server.flows()["flows"] if n.get("z") == "tab1")
    assert types == ["debug", "function", "switch"]
