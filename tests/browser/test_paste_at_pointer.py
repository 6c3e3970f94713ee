"""Pasted and duplicated nodes follow the pointer until a click puts them down (issue 11), as in
Node-RED's editor: the first node sits at the pointer, snapped to the grid as a drag snaps, wires
between the copies are kept, Escape takes the paste away, and with the pointer never over the
canvas the copy starts where the pointer was last on it. Adding and putting down are one undo step.
Checked in ``GET /flows`` after a deploy."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from .helpers import canvas_client, centre, deployed, import_json, state
from .test_everyday_editing import FLOW
from .test_group_remove import FLOW as GROUPS

LABEL = '[data-node-id="{}"] .node-label'.format
GRID = 20


def _undo_steps(page: Any) -> int:
    return int(page.evaluate("window.__editor.app.history.undoStack.length"))


def _copies(flows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [n for n in flows.values() if n.get("z") == "tab1" and n["id"] not in {o["id"] for o in FLOW}]


def test_ctrl_v_follows_the_pointer_until_a_click_puts_it_down(editor: Any, server: Any) -> None:
    page = editor
    import_json(page, json.dumps(FLOW))
    before = deployed(page, server)
    page.locator(LABEL("nb")).click()
    page.locator(LABEL("nc")).click(modifiers=["Control"])
    page.keyboard.press("Control+c")
    steps = _undo_steps(page)
    page.keyboard.press("Control+v")
    # The copy follows the pointer: its first node sits under it wherever it goes.
    for x, y in ((300, 333), (451, 417)):
        page.mouse.move(*canvas_client(page, x, y), steps=4)
        drawn = state(page)
        [lead] = [n for n in drawn["nodes"] if n["type"] == "function" and n["id"] != "nb"]
        assert abs(lead["x"] - x) <= GRID / 2 and lead["y"] == round(y / GRID) * GRID, (lead, x, y)
    page.mouse.click(*canvas_client(page, 451, 417))
    # The click only put it down: it neither selected something else nor started a lasso.
    assert len(state(page)["selection"]) == 2
    assert _undo_steps(page) == steps + 1
    flows = deployed(page, server)
    copies = {n["type"]: n for n in _copies(flows)}
    assert sorted(copies) == ["debug", "function"], copies
    fn, dbg = copies["function"], copies["debug"]
    assert fn["y"] == 420 and abs(fn["x"] - 451) <= GRID / 2, fn
    # Kept as copied: the second node where it was beside the first, the wire between them.
    assert (dbg["x"] - fn["x"], dbg["y"] - fn["y"]) == (220, 0)
    assert fn["wires"] == [[dbg["id"]]] and fn["name"] == "double"
    # One undo takes the paste away, wherever it was put down.
    page.keyboard.press("Control+z")
    flows = deployed(page, server)
    assert not _copies(flows) and flows.keys() == before.keys()


def test_escape_takes_a_duplicate_away_and_off_the_canvas_it_starts_where_the_pointer_left(
    editor: Any, server: Any
) -> None:
    page = editor
    import_json(page, json.dumps(FLOW))
    deployed(page, server)
    steps = _undo_steps(page)
    page.locator(LABEL("nd")).click()
    left = page.evaluate("(([x, y]) => window.__editor.app.canvas.toCanvas(x, y))", list(centre(page, LABEL("nd"))))
    page.mouse.move(*centre(page, "#palette"))  # straight off the canvas, from the node
    page.keyboard.press("Alt+Shift+D")
    [dup] = [n for n in state(page)["nodes"] if n["type"] == "comment" and n["id"] != "nd"]
    assert abs(dup["x"] - left["x"]) <= GRID / 2 and abs(dup["y"] - left["y"]) <= GRID / 2, (dup, left)
    page.mouse.move(*canvas_client(page, 500, 300), steps=4)
    page.keyboard.press("Escape")
    expect(page.locator("[data-node-id]")).to_have_count(len(FLOW))
    assert _undo_steps(page) == steps
    # Duplicated again, put down by a click on the canvas: there, one undo step.
    page.locator(LABEL("nd")).click()
    page.keyboard.press("Alt+Shift+D")
    page.mouse.move(*canvas_client(page, 400, 333), steps=4)
    page.mouse.click(*canvas_client(page, 400, 333))
    assert _undo_steps(page) == steps + 1
    [dup] = _copies(deployed(page, server))
    assert dup["type"] == "comment" and dup["y"] == 340 and abs(dup["x"] - 400) <= GRID / 2, dup


def test_a_copy_put_down_on_a_group_joins_it(editor: Any, server: Any) -> None:
    page = editor
    server.deploy(GROUPS)
    page.evaluate("() => window.__editor.app.reload()")
    page.wait_for_function(f"() => window.__editor.app.model.rev === {json.dumps(server.flows()['rev'])}")
    page.locator(LABEL("nd")).click()
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    page.mouse.move(*canvas_client(page, 300, 290), steps=6)
    expect(page.locator('[data-group-id="g0"].drop-target')).to_have_count(1)
    page.mouse.click(*canvas_client(page, 300, 290))
    expect(page.locator(".drop-target")).to_have_count(0)
    flows = deployed(page, server)
    [copy] = [n for n in flows.values() if n["id"] not in {o["id"] for o in GROUPS}]
    assert copy["g"] == "g0" and copy["id"] in flows["g0"]["nodes"] and flows["g2"]["nodes"] == ["nd"]
    page.keyboard.press("Control+z")
    flows = deployed(page, server)
    assert flows.keys() == {o["id"] for o in GROUPS} and flows["g0"]["nodes"] == ["g1", "nc"]
