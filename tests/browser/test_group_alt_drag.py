"""Leaving a group by dragging with Alt held (issue 11), as in Node-RED's editor: the dragged
member leaves its group even when it is the group's last one; the group stays, shrunk to what it
still holds or, with nothing left, to a small box at its top-left corner (the same as "Remove from
group", which shares the code). A member of a nested group leaves for no group. One undo step
brings the member, its group and the box back. Deleting members shrinks the group the same way.
Checked in ``GET /flows`` after each deploy."""

from __future__ import annotations

from typing import Any

from .helpers import canvas_client, centre, deployed, drag_node, group_holds, open_deployed
from .test_group_remove import FLOW

BOX = ("x", "y", "w", "h")


def _box(group: dict[str, Any]) -> tuple[int, ...]:
    return tuple(group[k] for k in BOX)


def _drawn(page: Any, gid: str) -> tuple[int, ...]:
    """The drawn box of group `gid` (its rect), with no drag transform left on it."""
    el = page.locator(f'[data-group-id="{gid}"]')
    assert el.get_attribute("transform") is None
    rect = el.locator("rect.group")
    return tuple(round(float(str(rect.get_attribute(a)))) for a in ("x", "y", "width", "height"))


def test_alt_drag_takes_the_last_member_out_and_undo_restores(editor: Any, server: Any, shot: Any) -> None:
    page = editor
    before = open_deployed(page, server, FLOW)
    steps = page.evaluate("window.__editor.app.history.undoStack.length")

    # The only member of a group, dragged out with Alt: it leaves, the group stays where it was as an
    # empty small box (it does not travel with the node).
    drag_node(page, "nd", (520, 600), alt=True)
    flows = deployed(page, server)
    assert "g" not in flows["nd"] and flows["g2"]["nodes"] == [], flows["g2"]
    g2 = flows["g2"]
    assert (g2["x"], g2["y"], g2["h"]) == (100, 420, 40) and 40 <= g2["w"] < 100, g2
    assert not group_holds(g2, flows["nd"])
    assert _drawn(page, "g2") == _box(g2)
    assert page.evaluate("window.__editor.app.history.undoStack.length") == steps + 1
    shot(page, "group-alt-drag-last-member")

    # One undo: the member, its group and the group's box as they were.
    page.keyboard.press("Control+z")
    flows = deployed(page, server)
    assert flows["nd"] == before["nd"] and flows["g2"] == before["g2"]
    assert _drawn(page, "g2") == _box(before["g2"])
    page.keyboard.press("Control+y")
    flows = deployed(page, server)
    assert "g" not in flows["nd"] and flows["g2"]["nodes"] == [] and flows["g2"]["h"] == 40

    # A member of a nested group leaves for no group (not for the group around it); the inner group
    # shrinks to the member it still holds, and the outer one fits around it.
    drag_node(page, "na", (560, 440), alt=True)
    flows = deployed(page, server)
    assert "g" not in flows["na"] and flows["g1"]["nodes"] == ["nb"] and flows["g0"]["nodes"] == ["g1", "nc"]
    assert flows["g1"]["w"] < before["g1"]["w"] and group_holds(flows["g1"], flows["nb"])
    assert not group_holds(flows["g1"], flows["na"]) and not group_holds(flows["g0"], flows["na"])
    g1, g0 = flows["g1"], flows["g0"]
    assert g0["x"] <= g1["x"] and g1["x"] + g1["w"] <= g0["x"] + g0["w"]
    page.keyboard.press("Control+z")
    flows = deployed(page, server)
    assert flows["na"] == before["na"] and flows["g1"] == before["g1"] and flows["g0"]["nodes"] == ["g1", "nc"]


def test_remove_from_group_keeps_the_emptied_group(editor: Any, server: Any) -> None:
    page = editor
    before = open_deployed(page, server, FLOW)
    # The same outcome by the menu's way out (Alt+Shift+G) as by an Alt drag.
    page.locator('[data-node-id="nd"] .node-label').click()
    page.keyboard.press("Alt+Shift+G")
    flows = deployed(page, server)
    assert "g" not in flows["nd"]
    assert_g2_left_empty_then_undone(page, server, flows, before)


def test_alt_drag_of_a_group_box_takes_it_out_of_the_group_around_it(editor: Any, server: Any) -> None:
    page = editor
    before = open_deployed(page, server, FLOW)
    # Grab the inner group by its box (Alt on the press pans the canvas), hold Alt while moving, drop.
    page.mouse.move(*canvas_client(page, 300, 200))
    page.mouse.down()
    page.mouse.move(*canvas_client(page, 320, 260), steps=3)
    page.keyboard.down("Alt")
    page.mouse.move(*canvas_client(page, 600, 560), steps=10)
    page.mouse.up()
    page.keyboard.up("Alt")
    flows = deployed(page, server)
    assert "g" not in flows["g1"] and flows["g0"]["nodes"] == ["nc"] and flows["g1"]["nodes"] == ["na", "nb"]
    assert flows["na"]["g"] == "g1" and flows["g1"]["y"] > before["g1"]["y"] + 200
    assert not group_holds(flows["g0"], flows["na"])
    page.keyboard.press("Control+z")
    flows = deployed(page, server)
    assert flows["g1"] == before["g1"] and flows["g0"]["nodes"] == ["g1", "nc"] and flows["na"] == before["na"]


def test_deleting_members_shrinks_the_group_and_keeps_it_when_empty(editor: Any, server: Any) -> None:
    page = editor
    before = open_deployed(page, server, FLOW)
    # A deleted member: its group fits what is left (as Node-RED draws a group around its members).
    page.locator('[data-node-id="na"] .node-label').click()
    page.keyboard.press("Delete")
    flows = deployed(page, server)
    assert "na" not in flows and flows["g1"]["nodes"] == ["nb"] and flows["g1"]["w"] < before["g1"]["w"]
    assert group_holds(flows["g1"], flows["nb"])
    # The last one deleted: the group stays, a small box where it was; one undo brings it all back.
    page.locator('[data-node-id="nd"] .node-label').click()
    page.keyboard.press("Delete")
    flows = deployed(page, server)
    assert "nd" not in flows
    assert_g2_left_empty_then_undone(page, server, flows, before)


def test_the_group_left_shrinks_while_the_alt_drag_goes_on(editor: Any, server: Any) -> None:
    page = editor
    before = open_deployed(page, server, FLOW)
    rect = page.locator('[data-group-id="g1"] rect.group')
    page.mouse.move(*centre(page, '[data-node-id="nb"] .node-label'))
    page.keyboard.down("Alt")
    page.mouse.down()
    page.mouse.move(*canvas_client(page, 600, 450), steps=12)
    # Mid-drag, the box already fits what stays (na alone), as the drop will leave it.
    during = tuple(round(float(str(rect.get_attribute(a)))) for a in ("x", "y", "width", "height"))
    assert during != _box(before["g1"]), during
    page.keyboard.up("Alt")
    page.mouse.move(*canvas_client(page, 610, 450))  # Alt let go: the member stays, the box is whole
    assert tuple(round(float(str(rect.get_attribute(a)))) for a in ("x", "y", "width", "height")) == _box(before["g1"])
    page.keyboard.down("Alt")
    page.mouse.move(*canvas_client(page, 600, 450))
    page.mouse.up()
    page.keyboard.up("Alt")
    flows = deployed(page, server)
    assert flows["g1"]["nodes"] == ["na"] and "g" not in flows["nb"]
    assert _box(flows["g1"]) == during == _drawn(page, "g1")
    page.keyboard.press("Control+z")  # one step brings the member and the box back
    flows = deployed(page, server)
    assert flows["g1"]["nodes"] == ["na", "nb"] and _box(flows["g1"]) == _box(before["g1"])


def assert_g2_left_empty_then_undone(page: Any, server: Any, flows: dict[str, Any], before: dict[str, Any]) -> None:
    """g2 lost its only member nd: it stays as a small box where it was, and one undo restores both."""
    assert flows["g2"]["nodes"] == []
    assert (flows["g2"]["x"], flows["g2"]["y"], flows["g2"]["h"]) == (100, 420, 40)
    page.keyboard.press("Control+z")
    flows = deployed(page, server)
    assert flows["nd"] == before["nd"] and flows["g2"] == before["g2"]
