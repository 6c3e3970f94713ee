"""Group membership of what editing makes from a group's members (issue 11), as Node-RED's editor
does it: a copy of a member, pasted or duplicated, joins no group (a node keeps its group only when
the group comes with it); a selection turned into a subflow leaves its group and the subflow's
instance takes its place there; nodes of two groups cannot become one subflow. Checked in
``GET /flows`` after each deploy."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from .helpers import canvas_client, deployed, group_holds, open_deployed
from .test_group_remove import FLOW

LABEL = '[data-node-id="{}"] .node-label'.format


def test_a_pasted_or_duplicated_member_belongs_to_no_group(editor: Any, server: Any) -> None:
    page = editor
    open_deployed(page, server, FLOW)
    page.locator('[data-node-id="nd"] .node-label').click()
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    page.mouse.click(*canvas_client(page, 440, 580))  # put down outside every group
    page.locator('[data-node-id="nc"] .node-label').click()
    page.keyboard.press("Alt+Shift+D")
    page.mouse.click(*canvas_client(page, 600, 600))
    flows = deployed(page, server)
    copies = [n for n in flows.values() if n["id"] not in {o["id"] for o in FLOW}]
    assert sorted(n["name"] for n in copies) == ["alone", "third"], copies
    assert all("g" not in n for n in copies), copies
    assert flows["g2"]["nodes"] == ["nd"] and flows["g0"]["nodes"] == ["g1", "nc"]
    # Every member of a group copied: the copies too are in no group, and the group keeps its own.
    page.locator('[data-node-id="na"] .node-label').click()
    page.locator('[data-node-id="nb"] .node-label').click(modifiers=["Control"])
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    page.mouse.click(*canvas_client(page, 440, 420))
    flows = deployed(page, server)
    pasted = [n for n in flows.values() if n["id"] not in {o["id"] for o in FLOW} and n["name"] in ("first", "second")]
    assert len(pasted) == 2 and all("g" not in n for n in pasted), pasted
    assert flows["g1"]["nodes"] == ["na", "nb"]


def test_selection_to_subflow_puts_the_instance_in_the_group(editor: Any, server: Any) -> None:
    page = editor
    before = open_deployed(page, server, FLOW)
    steps = page.evaluate("window.__editor.app.history.undoStack.length")
    # Nodes of two groups: refused, nothing changes.
    page.locator(LABEL("na")).click()
    page.locator(LABEL("nc")).click(modifiers=["Control"])
    page.locator(LABEL("nc")).click(button="right")
    page.locator("#context-menu [data-action='to-subflow']").click()
    expect(page.locator(".notice-error")).to_contain_text("more than one group")
    assert page.evaluate("window.__editor.app.history.undoStack.length") == steps
    # A member of the inner group: it goes into the subflow, the instance takes its place.
    page.locator(LABEL("na")).click()
    page.locator(LABEL("na")).click(button="right")
    page.locator("#context-menu [data-action='to-subflow']").click()
    flows = deployed(page, server)
    inst = next(n for n in flows.values() if n["type"].startswith("subflow:"))
    assert inst["g"] == "g1" and flows["g1"]["nodes"] == ["nb", inst["id"]], flows["g1"]
    assert "g" not in flows["na"] and flows["na"]["z"] == inst["type"][8:]
    assert group_holds(flows["g1"], inst) and group_holds(flows["g1"], flows["nb"])
    page.keyboard.press("Control+z")
    flows = deployed(page, server)
    assert flows["na"] == before["na"] and flows["g1"] == before["g1"]
    assert not [n for n in flows.values() if n["type"].startswith("subflow")]


def test_moving_a_member_to_another_tab_shrinks_the_group_left(editor: Any, server: Any) -> None:
    page = editor
    tab2 = {"id": "tab2", "type": "tab", "label": "Second", "disabled": False, "info": "", "env": []}
    before = open_deployed(page, server, [*FLOW, tab2])
    page.locator(LABEL("na")).click(button="right")
    page.locator("#context-menu [data-action='move-to-tab']").click()
    page.locator("[data-action='move-to-tab2']").click()
    flows = deployed(page, server)
    assert flows["na"]["z"] == "tab2" and "g" not in flows["na"] and flows["g1"]["nodes"] == ["nb"]
    assert flows["g1"]["w"] < before["g1"]["w"] and group_holds(flows["g1"], flows["nb"])
    page.keyboard.press("Control+z")
    flows = deployed(page, server)
    assert flows["na"] == before["na"] and flows["g1"] == before["g1"]
