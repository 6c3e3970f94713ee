"""Group membership by dragging (issue 11), as in Node-RED's editor: a node dropped on a group
joins it; a member dragged with Alt held leaves it; a member dragged without Alt stays and its
group grows. Each step is one undo step, and every result is checked in ``GET /flows`` after a
deploy (the group's ``nodes`` and the node's ``g``)."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from .helpers import canvas_client, centre, deployed, drag, drag_node, group_holds

TAB = {"id": "tab1", "type": "tab", "label": "Flow 1", "disabled": False, "info": "", "env": []}
FLOW = [
    TAB,
    {"id": "g1", "type": "group", "z": "tab1", "name": "box", "style": {"label": True}, "nodes": ["na"],
     "x": 300, "y": 60, "w": 320, "h": 180},
    {"id": "na", "type": "comment", "z": "tab1", "g": "g1", "name": "member", "info": "", "x": 400, "y": 120,
     "wires": []},
    {"id": "nb", "type": "comment", "z": "tab1", "name": "loose", "info": "", "x": 160, "y": 360, "wires": []},
]


def test_drag_into_and_out_of_a_group(editor: Any, server: Any, shot: Any) -> None:
    page = editor
    server.deploy(FLOW)
    page.evaluate("() => window.__editor.app.reload()")
    page.wait_for_function(f"() => window.__editor.app.model.rev === {json.dumps(server.flows()['rev'])}")
    expect(page.locator('[data-group-id="g1"]')).to_have_count(1)

    # A loose node dropped on the group joins it.
    drag_node(page, "nb", (520, 200), mark="g1")
    flows = deployed(page, server)
    assert flows["nb"]["g"] == "g1" and flows["g1"]["nodes"] == ["na", "nb"], flows["g1"]
    assert group_holds(flows["g1"], flows["nb"]) and group_holds(flows["g1"], flows["na"])
    shot(page, "group-drag-in")

    # Undo: out of the group again, where it was.
    page.mouse.click(*canvas_client(page, 100, 650))
    page.keyboard.press("Control+z")
    flows = deployed(page, server)
    assert "g" not in flows["nb"] and flows["g1"]["nodes"] == ["na"]
    assert (flows["nb"]["x"], flows["nb"]["y"]) == (160, 360)
    page.keyboard.press("Control+y")
    flows = deployed(page, server)
    assert flows["nb"]["g"] == "g1" and flows["g1"]["nodes"] == ["na", "nb"]

    # A member dragged out without Alt stays a member: the group grows to hold it (Node-RED).
    drag_node(page, "na", (420, 420))
    flows = deployed(page, server)
    assert flows["na"]["g"] == "g1" and group_holds(flows["g1"], flows["na"]), flows["g1"]

    # With Alt held it leaves the group, which shrinks to the member it still has.
    drag_node(page, "na", (700, 600), alt=True)
    flows = deployed(page, server)
    assert "g" not in flows["na"] and flows["g1"]["nodes"] == ["nb"], flows["g1"]
    assert group_holds(flows["g1"], flows["nb"]) and not group_holds(flows["g1"], flows["na"])
    shot(page, "group-drag-out")

    # Undo puts it back in, box and all.
    page.keyboard.press("Control+z")
    flows = deployed(page, server)
    assert flows["na"]["g"] == "g1" and flows["g1"]["nodes"] == ["na", "nb"]
    assert group_holds(flows["g1"], flows["na"])


def test_alt_drop_inside_own_group_and_into_a_nested_group(editor: Any, server: Any) -> None:
    page = editor
    inner = {"id": "g2", "type": "group", "z": "tab1", "g": "g1", "name": "inner", "style": {"label": True},
             "nodes": ["nc"], "x": 420, "y": 80, "w": 220, "h": 140}
    nc = {"id": "nc", "type": "comment", "z": "tab1", "g": "g2", "name": "deep", "info": "", "x": 500, "y": 140,
          "wires": []}
    outer = {**FLOW[1], "nodes": ["na", "g2"], "x": 40, "w": 660, "h": 200}
    server.deploy([TAB, outer, inner, {**FLOW[2], "x": 140}, nc, FLOW[3]])
    page.evaluate("() => window.__editor.app.reload()")
    page.wait_for_function(f"() => window.__editor.app.model.rev === {json.dumps(server.flows()['rev'])}")
    # Alt-dropped back inside its own group (not on the nested one): still a member.
    drag_node(page, "na", (260, 230), alt=True)
    flows = deployed(page, server)
    assert flows["na"]["g"] == "g1" and "na" in flows["g1"]["nodes"]
    # A member dropped on a group nested in its own moves into the nested one.
    drag_node(page, "na", (560, 190), mark="g2")
    flows = deployed(page, server)
    assert flows["na"]["g"] == "g2" and flows["g2"]["nodes"] == ["nc", "na"] and flows["g1"]["nodes"] == ["g2"]
    assert group_holds(flows["g2"], flows["na"])
    # A loose node dropped on the nested group goes to the innermost one.
    drag_node(page, "nb", (480, 200), mark="g2")
    flows = deployed(page, server)
    assert flows["nb"]["g"] == "g2" and flows["g2"]["nodes"] == ["nc", "na", "nb"]


def test_palette_drop_on_a_group_adds_a_member(editor: Any, server: Any) -> None:
    page = editor
    server.deploy(FLOW)
    page.evaluate("() => window.__editor.app.reload()")
    page.wait_for_function(f"() => window.__editor.app.model.rev === {json.dumps(server.flows()['rev'])}")
    entry = '[data-palette-type="debug"]'
    page.locator(entry).scroll_into_view_if_needed()
    drag(page, centre(page, entry), canvas_client(page, 540, 200))
    flows = deployed(page, server)
    new = next(n for n in flows.values() if n["type"] == "debug")
    assert new["g"] == "g1" and flows["g1"]["nodes"] == ["na", new["id"]] and group_holds(flows["g1"], new)
    # dropped on the empty canvas it joins nothing
    drag(page, centre(page, entry), canvas_client(page, 160, 560))
    flows = deployed(page, server)
    other = next(n for n in flows.values() if n["type"] == "debug" and n["id"] != new["id"])
    assert "g" not in other and flows["g1"]["nodes"] == ["na", new["id"]]
