"""Taking nodes out of a group without dragging (issue 11), as Node-RED's "Remove from group"
(core:remove-selection-from-group): from the context menu or with Alt+Shift+G. A member leaves for
the group around its group (or for none); the group left shrinks to what it still holds and, as in
Node-RED, stays when empty (a small box); one undo step. Every result is checked in ``GET /flows`` after a deploy."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from .helpers import deployed, group_holds

TAB = {"id": "tab1", "type": "tab", "label": "Flow 1", "disabled": False, "info": "", "env": []}
STYLE = {"label": True}
FLOW = [
    TAB,
    {"id": "g0", "type": "group", "z": "tab1", "name": "outer", "style": STYLE, "nodes": ["g1", "nc"],
     "x": 40, "y": 40, "w": 720, "h": 300},
    {"id": "g1", "type": "group", "z": "tab1", "g": "g0", "name": "inner", "style": STYLE, "nodes": ["na", "nb"],
     "x": 80, "y": 80, "w": 440, "h": 140},
    {"id": "na", "type": "comment", "z": "tab1", "g": "g1", "name": "first", "info": "", "x": 160, "y": 140,
     "wires": []},
    {"id": "nb", "type": "comment", "z": "tab1", "g": "g1", "name": "second", "info": "", "x": 420, "y": 140,
     "wires": []},
    {"id": "nc", "type": "comment", "z": "tab1", "g": "g0", "name": "third", "info": "", "x": 620, "y": 280,
     "wires": []},
    {"id": "g2", "type": "group", "z": "tab1", "name": "single", "style": STYLE, "nodes": ["nd"],
     "x": 100, "y": 420, "w": 200, "h": 100},
    {"id": "nd", "type": "comment", "z": "tab1", "g": "g2", "name": "alone", "info": "", "x": 200, "y": 480,
     "wires": []},
]
LABEL = '[data-node-id="{}"] .node-label'.format


def _menu_item(page: Any, node: str) -> Any:
    page.locator(LABEL(node)).click(button="right")
    expect(page.locator("#context-menu")).to_be_visible()
    return page.locator("#context-menu [data-action='remove-from-group']")


def test_remove_from_group_by_menu_and_keyboard(editor: Any, server: Any, shot: Any) -> None:
    page = editor
    server.deploy(FLOW)
    page.evaluate("() => window.__editor.app.reload()")
    page.wait_for_function(f"() => window.__editor.app.model.rev === {json.dumps(server.flows()['rev'])}")
    expect(page.locator("[data-group-id]")).to_have_count(3)

    # The context menu: the member goes to the group around its group, which shrinks to the other.
    item = _menu_item(page, "na")
    expect(item).to_be_enabled()
    expect(item.locator("kbd")).to_have_text("Alt+Shift+G")
    item.click()
    expect(page.locator("#context-menu")).to_have_count(0)
    flows = deployed(page, server)
    assert flows["na"]["g"] == "g0" and flows["g1"]["nodes"] == ["nb"], flows["g1"]
    assert set(flows["g0"]["nodes"]) == {"g1", "nc", "na"}
    assert group_holds(flows["g1"], flows["nb"]) and not group_holds(flows["g1"], flows["na"])
    assert flows["g1"]["w"] < 300 and group_holds(flows["g0"], flows["na"])
    shot(page, "group-remove-menu")

    # One undo step puts it back.
    page.keyboard.press("Control+z")
    flows = deployed(page, server)
    assert flows["na"]["g"] == "g1" and flows["g1"]["nodes"] == ["na", "nb"] and flows["g0"]["nodes"] == ["g1", "nc"]

    # The keyboard: the only member of a top-level group leaves it; the empty group stays, small.
    page.locator(LABEL("nd")).click()
    page.keyboard.press("Alt+Shift+G")
    flows = deployed(page, server)
    assert flows["g2"]["nodes"] == [] and flows["g2"]["h"] == 40 and "g" not in flows["nd"]
    # Undo brings the group back with its member.
    page.keyboard.press("Control+z")
    expect(page.locator('[data-group-id="g2"]')).to_have_count(1)
    flows = deployed(page, server)
    assert flows["nd"]["g"] == "g2" and flows["g2"]["nodes"] == ["nd"]

    # Every node of a nested group selected: that group leaves the group around it, whole.
    page.locator(LABEL("na")).click()
    page.locator(LABEL("nb")).click(modifiers=["Control"])
    page.keyboard.press("Alt+Shift+G")
    flows = deployed(page, server)
    assert "g" not in flows["g1"] and flows["g1"]["nodes"] == ["na", "nb"] and flows["g0"]["nodes"] == ["nc"]
    assert flows["na"]["g"] == "g1" and flows["nb"]["g"] == "g1"
    page.keyboard.press("Control+z")
    flows = deployed(page, server)
    assert flows["g1"]["g"] == "g0" and flows["g0"]["nodes"] == ["g1", "nc"]

    # Members of two different groups: nothing moves (as in Node-RED), and the editor says why.
    page.locator(LABEL("na")).click()
    page.locator(LABEL("nc")).click(modifiers=["Control"])
    page.keyboard.press("Alt+Shift+G")
    expect(page.locator("#notices")).to_contain_text("one group")
    assert page.evaluate("window.__editor.app.history.undoStack.length") == 0
    # A node in no group: the menu item is off.
    page.locator(LABEL("nd")).click()
    page.keyboard.press("Alt+Shift+G")
    expect(_menu_item(page, "nd")).to_be_disabled()
    page.keyboard.press("Escape")
    flows = deployed(page, server)
    assert "g" not in flows["nd"] and flows["g2"]["nodes"] == []
    assert flows["na"]["g"] == "g1" and flows["nc"]["g"] == "g0"
