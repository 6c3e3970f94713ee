"""Canvas details: icons, back wires below nodes, link wires, group drag and splicing onto a wire."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import expect

from .helpers import centre, drag, import_json, state

FLOW = [
    {"id": "t1", "type": "tab", "label": "Extras"},
    {"id": "grp", "type": "group", "z": "t1", "name": "<b>grouped</b>", "style": {"label": True},
     "nodes": ["a", "b"], "x": 74, "y": 79, "w": 352, "h": 82},
    {"id": "a", "type": "inject", "z": "t1", "g": "grp", "name": "tick", "x": 170, "y": 120, "wires": [["b"]],
     "props": [{"p": "payload"}], "payload": "1", "payloadType": "num", "repeat": "", "once": False, "topic": ""},
    {"id": "b", "type": "change", "z": "t1", "g": "grp", "name": "",
     "rules": [{"t": "set", "p": "payload", "pt": "msg", "to": "2", "tot": "num"}], "x": 340, "y": 120,
     "wires": [["lo"]]},
    {"id": "lo", "type": "link out", "z": "t1", "name": "to B", "mode": "link", "links": ["li"], "x": 520, "y": 120,
     "wires": []},
    {"id": "li", "type": "link in", "z": "t1", "name": "from A", "links": ["lo"], "x": 180, "y": 260,
     "wires": [["d"]]},
    {"id": "d", "type": "debug", "z": "t1", "name": "", "active": True, "tosidebar": True, "complete": "false",
     "x": 420, "y": 260, "wires": []},
    {"id": "fn", "type": "function", "language": "python",
     "z": "t1", "name": "", "func": "return msg", "outputs": 1, "x": 300, "y": 420,
     "wires": [[]]},
    {"id": "late", "type": "change", "z": "t1", "name": "", "rules": [], "x": 600, "y": 520, "wires": [["early"]]},
    {"id": "early", "type": "debug", "z": "t1", "name": "", "active": True, "tosidebar": True, "complete": "false",
     "x": 200, "y": 520, "wires": []},
]


def _open(editor: Any) -> Any:
    import_json(editor, json.dumps(FLOW))
    editor.locator('[data-tab-id="t1"]').first.click()
    expect(editor.locator('[data-node-id="a"]')).to_be_visible()
    return editor


def _wires(page: Any) -> set[str]:
    return set(page.evaluate("[...document.querySelectorAll('[data-wire]')].map(e => e.dataset.wire)"))


def test_icons_and_link_wires(editor: Any) -> None:
    page = _open(editor)
    glyph = page.locator('[data-node-id="a"] .node-icon').get_attribute("d")
    assert glyph and glyph != page.locator('[data-node-id="fn"] .node-icon').get_attribute("d")
    assert page.locator('[data-palette-type="inject"] .glyph path').get_attribute("d") == glyph
    # The link out -> link in pair is joined by a dashed virtual wire, not a real one.
    expect(page.locator('[data-link="lo->li"]')).to_have_count(1)
    assert not any(w.startswith("lo:") for w in _wires(page))
    # The group label is text, not markup.
    expect(page.locator('[data-group-id="grp"] text')).to_have_text("<b>grouped</b>")


def test_back_wire_at_same_height_loops_below(editor: Any) -> None:
    page = _open(editor)
    d = page.locator('[data-wire="late:0->early"] .wire-line').get_attribute("d")
    ys = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)[1::2]]
    assert max(ys) > 520 + 15, f"the wire does not pass below the nodes: {d}"


def test_drag_group_moves_members_and_box(editor: Any) -> None:
    page = _open(editor)
    box = page.locator('[data-group-id="grp"] rect').bounding_box()
    drag(page, (box["x"] + 8, box["y"] + 30), (box["x"] + 48, box["y"] + 70))
    nodes = {n["id"]: n for n in state(page)["nodes"]}
    assert (nodes["a"]["x"], nodes["a"]["y"]) == (210, 160)
    assert (nodes["b"]["x"], nodes["b"]["y"]) == (380, 160)
    assert (nodes["lo"]["x"], nodes["lo"]["y"]) == (520, 120)  # not a member
    moved = page.locator('[data-group-id="grp"] rect')
    expect(moved).to_have_attribute("x", "114")
    expect(moved).to_have_attribute("y", "119")
    expect(page.locator("#deploy")).to_have_attribute("data-state", "dirty")
    page.keyboard.press("Control+z")
    expect(moved).to_have_attribute("x", "74")
    assert {n["id"]: n for n in state(page)["nodes"]}["a"]["x"] == 170


def test_drop_node_on_wire_splices_it(editor: Any) -> None:
    page = _open(editor)
    drag(page, centre(page, '[data-node-id="fn"]'), centre(page, '[data-wire="li:0->d"] .wire-hit'))
    wires = _wires(page)
    assert {"li:0->fn", "fn:0->d"} <= wires and "li:0->d" not in wires
    page.keyboard.press("Control+z")
    expect(page.locator('[data-wire="li:0->d"]')).to_have_count(1)
    expect(page.locator('[data-wire="li:0->fn"]')).to_have_count(0)
    # A node that already has wires is only moved, never spliced.
    drag(page, centre(page, '[data-node-id="b"]'), centre(page, '[data-wire="li:0->d"] .wire-hit'))
    assert "li:0->d" in _wires(page)


def test_big_flow_draws_only_what_is_near_the_view(page: Any, server: Any) -> None:
    from .test_openai_scale import _big_flow

    server.deploy(_big_flow(1000))
    page.goto(server.base)
    page.wait_for_selector("body[data-ready='1']", timeout=60000)
    far = page.locator('[data-node-id="n249_0"]')
    near = page.locator('[data-node-id="n0_0"]')
    expect(near).to_be_visible()
    expect(far).to_be_hidden()  # culled, still in the DOM with its hooks
    assert page.locator("[data-node-id]").count() == 1000
    # Drawn far from the view, a node is only its outer element until it comes near.
    expect(far).to_have_attribute("data-node-type", "inject")
    expect(far.locator("*")).to_have_count(0)
    assert near.locator("[data-port]").count() > 0
    page.evaluate("window.__editor.app.canvas.setStatus('n249_0', {fill: 'green', shape: 'dot', text: 'far away'})")
    page.evaluate("window.__editor.app.canvas.panBy(0, -9700)")
    expect(far).to_be_visible()
    expect(near).to_be_hidden()
    label = page.evaluate("(m => m.labelOf(m.get('n249_0')))(window.__editor.app.model)")
    assert label
    expect(far.locator(".node-label")).to_have_text(label)
    expect(far.locator("[data-node-status]")).to_have_text("far away")  # a status that came while parked
    expect(far.locator("[data-port]")).to_have_count(1)
    # Moving everything still works on culled nodes, and undo brings them back.
    page.keyboard.press("Control+a")
    page.keyboard.press("ArrowDown")
    assert {n["id"]: n for n in state(page)["nodes"]}["n0_0"]["y"] == 60
    page.keyboard.press("Control+z")
    expect(page.locator("#deploy")).to_have_attribute("data-state", "clean")


def test_debug_flood_keeps_the_newest_hundred(editor: Any, server: Any) -> None:
    """1,500 debug messages in one burst: the sidebar keeps the newest 100 and stays responsive.
    The burst is spread over 40 debug nodes so that each stays within the server's per-node
    rate limit (debugMaxRate, 50/s): every message reaches the editor, whose own cap is tested."""
    page = editor
    fanout = 40
    func = (f"for i in range(1500):\n    out = [None] * {fanout}\n    out[i % {fanout}] = {{'payload': i}}\n"
            "    node.send(out)\nreturn None")
    server.deploy([
        {"id": "tab1", "type": "tab", "label": "Flow 1", "disabled": False, "info": "", "env": []},
        {"id": "go", "type": "inject", "z": "tab1", "name": "", "props": [{"p": "payload"}], "payload": "",
         "payloadType": "date", "repeat": "", "once": False, "x": 100, "y": 100, "wires": [["burst"]]},
        {"id": "burst", "type": "function", "language": "python",
         "z": "tab1", "name": "burst", "outputs": fanout, "x": 300, "y": 100,
         "func": func, "wires": [[f"out{k}"] for k in range(fanout)]},
        *({"id": f"out{k}", "type": "debug", "z": "tab1", "name": f"out{k}", "active": True, "tosidebar": True,
           "complete": "false", "x": 500, "y": 40 + 20 * k, "wires": []} for k in range(fanout)),
    ])
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    page.locator('[data-node-id="go"] [data-action="inject"]').click()
    last = page.locator("#debug .debug-message").last
    expect(last).to_contain_text("1499", timeout=20000)
    expect(page.locator("#debug .debug-message")).to_have_count(100)
