"""Palette order and OpenAI group folding, shift-click selection, wire geometry and snap to grid."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import expect

from .helpers import add_node, centre, drag, import_json, state, wire, workspace_point

CORE = ["common", "function", "sequence", "network", "parser", "storage"]
OPENAI_ENTRIES = ".palette-openai [data-palette-type]:visible"
EMBEDDING = '[data-palette-type="openai-create-embedding"]'
CHAT = '[data-palette-type="openai-create-chat-completion"]'


def _headers(page: Any) -> list[str]:
    """The category headers in the order the palette shows them (lower case, without counts)."""
    texts = page.locator("#palette .palette-group > summary").all_text_contents()
    return [re.sub(r"\s*\(\d+\)$", "", t).strip().lower() for t in texts]


def _summary(page: Any, entry: str) -> Any:
    return page.locator("#palette details.palette-group", has=page.locator(entry)).locator("> summary")


def test_core_categories_come_first_and_openai_groups_fold(editor: Any, shot: Any) -> None:
    page = editor
    headers = _headers(page)
    first_openai = next(i for i, h in enumerate(headers) if h.startswith("openai"))
    core, openai = headers[:first_openai], headers[first_openai:]
    assert core and openai, headers
    assert all(h.startswith("openai") for h in openai), f"a core category after the OpenAI ones: {headers}"
    assert "common" in core and "function" in core
    known = [h for h in core if h in CORE]
    assert known == sorted(known, key=CORE.index), f"core categories out of Node-RED's order: {core}"
    # On screen too: the last core header is above the first OpenAI header.
    summaries = page.locator("#palette .palette-group > summary")
    assert summaries.nth(first_openai - 1).bounding_box()["y"] < summaries.nth(first_openai).bounding_box()["y"]
    # As rendered: the brand is spelled "OpenAI", "_" reads as a space and no header spills out of the palette.
    shown = page.locator("#palette .palette-openai > summary").all_inner_texts()
    assert all(t.startswith("OpenAI ") and "_" not in t for t in shown), shown[:5]
    too_wide = page.evaluate(
        "[...document.querySelectorAll('#palette .palette-group > summary')]"
        ".filter(s => s.scrollWidth > s.clientWidth + 1).map(s => s.textContent)"
    )
    assert not too_wide, too_wide

    # Collapse every OpenAI group at once: their entries disappear, the core ones stay.
    fold = page.locator("[data-action='fold-openai']")
    expect(fold).to_have_attribute("aria-expanded", "true")
    fold.click()
    expect(fold).to_have_attribute("aria-expanded", "false")
    expect(fold).to_contain_text("expand")
    expect(page.locator(OPENAI_ENTRIES)).to_have_count(0)
    expect(page.locator(EMBEDDING)).to_be_hidden()
    expect(page.locator('[data-palette-type="inject"]')).to_be_visible()
    expect(_summary(page, EMBEDDING)).to_be_visible()  # the headers stay, folded
    shot(page, "palette-openai-collapsed")

    # One group's header unfolds just that group, and folds it again.
    _summary(page, EMBEDDING).click()
    expect(page.locator(EMBEDDING)).to_be_visible()
    expect(page.locator(CHAT)).to_be_hidden()
    _summary(page, EMBEDDING).click()
    expect(page.locator(EMBEDDING)).to_be_hidden()

    # The filter still finds a type inside a folded group; clearing it restores the folding.
    page.locator("#palette-filter").fill("create embeddings")
    expect(page.locator(EMBEDDING)).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator('[data-node-type="openai-create-embedding"]')).to_have_count(1)
    page.locator("#palette-filter").fill("")
    expect(page.locator(OPENAI_ENTRIES)).to_have_count(0)
    expect(fold).to_have_attribute("aria-expanded", "false")

    # The folding survives the palette being rebuilt (a new subflow adds a palette entry).
    import_json(page, json.dumps([
        {"id": "sf1", "type": "subflow", "name": "my subflow", "info": "", "in": [], "out": [], "env": []},
    ]))
    expect(page.locator('[data-palette-type="subflow:sf1"]')).to_be_visible()
    expect(page.locator(OPENAI_ENTRIES)).to_have_count(0)
    expect(fold).to_have_attribute("aria-expanded", "false")

    # Expand them all again.
    fold.click()
    expect(fold).to_have_attribute("aria-expanded", "true")
    expect(page.locator(EMBEDDING)).to_be_visible()
    expect(page.locator(CHAT)).to_be_visible()


def test_a_fold_just_before_typing_a_filter_is_kept(editor: Any) -> None:
    """The race behind a flaky run of the test above: a header click's "toggle" event is queued, and
    a filter typed before it ran reopened the group, so the fold was lost and clearing the filter
    showed the group's entries. Here the click and the typing share one task: always that order."""
    page = editor
    page.locator("[data-action='fold-openai']").click()
    expect(page.locator(OPENAI_ENTRIES)).to_have_count(0)
    _summary(page, EMBEDDING).click()
    expect(page.locator(EMBEDDING)).to_be_visible()
    page.evaluate("""() => {
      const embedding = document.querySelector('[data-palette-type="openai-create-embedding"]');
      embedding.closest("details").querySelector(":scope > summary").click();
      const filter = document.getElementById("palette-filter");
      filter.value = "create embeddings";
      filter.dispatchEvent(new Event("input"));
    }""")
    expect(page.locator(EMBEDDING)).to_be_visible()
    page.locator("#palette-filter").fill("")
    expect(page.locator(OPENAI_ENTRIES)).to_have_count(0)
    expect(page.locator("[data-action='fold-openai']")).to_have_attribute("aria-expanded", "false")


THREE = [
    {"id": "na", "type": "inject", "z": "tab1", "name": "first", "props": [{"p": "payload"}], "payload": "",
     "payloadType": "date", "repeat": "", "once": False, "topic": "", "x": 160, "y": 100, "wires": [["nb"]]},
    {"id": "nb", "type": "change", "z": "tab1", "name": "second", "rules": [], "x": 380, "y": 100,
     "wires": [["nc"]]},
    {"id": "nc", "type": "debug", "z": "tab1", "name": "third", "active": True, "tosidebar": True,
     "complete": "false", "x": 600, "y": 100, "wires": []},
]


def _selected(page: Any) -> set[str]:
    return set(page.evaluate(
        "[...document.querySelectorAll('[data-node-id].selected')].map(e => e.dataset.nodeId)"
    ))


def test_shift_click_adds_and_removes_then_delete_removes_exactly_those(editor: Any, shot: Any) -> None:
    page = editor
    import_json(page, json.dumps(THREE))
    label = '[data-node-id="{}"] .node-label'.format
    page.locator(label("na")).click()
    assert _selected(page) == {"na"}
    page.locator(label("nc")).click(modifiers=["Shift"])
    assert _selected(page) == {"na", "nc"}
    page.locator(label("nb")).click(modifiers=["Shift"])
    assert _selected(page) == {"na", "nb", "nc"}
    page.locator(label("nb")).click(modifiers=["Shift"])  # shift-click a selected node: out again
    assert _selected(page) == {"na", "nc"}
    assert set(state(page)["selection"]) == {"na", "nc"}
    shot(page, "shift-click-selection")
    page.keyboard.press("Delete")
    expect(page.locator('[data-node-id="na"]')).to_have_count(0)
    expect(page.locator('[data-node-id="nc"]')).to_have_count(0)
    expect(page.locator('[data-node-id="nb"]')).to_be_visible()
    assert [n["id"] for n in state(page)["nodes"]] == ["nb"]
    expect(page.locator("[data-wire]")).to_have_count(0)  # both wires ended at a deleted node
    # A plain click then replaces the selection; shift-click takes the only selected node out.
    page.locator(label("nb")).click()
    assert _selected(page) == {"nb"}
    page.locator(label("nb")).click(modifiers=["Shift"])
    assert _selected(page) == set()
    page.keyboard.press("Delete")
    expect(page.locator('[data-node-id="nb"]')).to_be_visible()


def _path_ends(page: Any, key: str) -> dict[str, Any]:
    """The wire's path data and its first and last points in screen pixels."""
    return dict(page.evaluate(
        """key => {
            const path = document.querySelector(`[data-wire="${key}"] .wire-line`);
            const d = path.getAttribute("d");
            const nums = d.match(/-?[\\d.]+(e-?\\d+)?/g).map(Number);
            const m = path.getScreenCTM();
            const screen = (x, y) => { const p = new DOMPoint(x, y).matrixTransform(m); return [p.x, p.y]; };
            return {d, nums, start: screen(nums[0], nums[1]), end: screen(nums.at(-2), nums.at(-1))};
        }""",
        key,
    ))


def _port_centre(page: Any, node: str, port: str) -> tuple[float, float]:
    return centre(page, f'[data-node-id="{node}"] [data-port="{port}"] .port-box')


def test_forward_wire_is_a_bezier_from_output_port_to_input_port(editor: Any) -> None:
    page = editor
    a = add_node(page, "inject", 160, 140)
    b = add_node(page, "debug", 520, 300)
    wire(page, a, b)
    for zoom in (None, "zoom-in"):
        if zoom:
            page.locator(f"[data-action='{zoom}']").click()
            expect(page.locator("#workspace")).not_to_have_attribute("data-zoom", "1.00")
        ends = _path_ends(page, f"{a}:0->{b}")
        commands = re.findall(r"[A-Za-z]", ends["d"])
        assert commands == ["M", "C"], f"not one cubic bezier: {ends['d']}"
        sx, sy, c1x, c1y, c2x, c2y, ex, ey = ends["nums"]
        assert c1x > sx and c2x < ex and c1y == sy and c2y == ey, f"not horizontal at the ports: {ends['d']}"
        out = _port_centre(page, a, "out:0")
        inp = _port_centre(page, b, "in")
        assert abs(ends["start"][0] - out[0]) <= 2 and abs(ends["start"][1] - out[1]) <= 2, (ends, out)
        assert abs(ends["end"][0] - inp[0]) <= 2 and abs(ends["end"][1] - inp[1]) <= 2, (ends, inp)


def _node(page: Any, node_id: str) -> dict[str, Any]:
    return next(n for n in state(page)["nodes"] if n["id"] == node_id)


def _body(page: Any, node_id: str) -> dict[str, float]:
    box = page.locator(f'[data-node-id="{node_id}"] .node-body').bounding_box()
    assert box is not None
    return dict(box)


def _on_grid(page: Any, node_id: str) -> bool:
    """Left edge and centre line on the 20 px grid (Node-RED's snapping), in model coordinates."""
    n = _node(page, node_id)
    width = float(page.locator(f'[data-node-id="{node_id}"] .node-body').get_attribute("width"))
    return (n["x"] - width / 2) % 20 == 0 and n["y"] % 20 == 0


def test_snap_off_keeps_the_exact_drop_point_snap_on_lands_on_grid(editor: Any, shot: Any) -> None:
    page = editor
    # Snap on (the default): a drop and a drag both land on the grid.
    snapped = add_node(page, "inject", 203, 147)
    assert _on_grid(page, snapped)
    start = _node(page, snapped)
    x, y = centre(page, f'[data-node-id="{snapped}"] .node-label')
    drag(page, (x, y), (x + 33, y + 27))
    moved = _node(page, snapped)
    assert (moved["x"], moved["y"]) == (start["x"] + 40, start["y"] + 20), (start, moved)  # nearest grid steps
    assert _on_grid(page, snapped)

    # Snap off: a palette drop puts the node's centre exactly at the drop point.
    toggle = page.locator("[data-action='snap']")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    drop = workspace_point(page, 407, 263)
    free = add_node(page, "debug", 407, 263)
    body = _body(page, free)
    assert abs(body["x"] + body["width"] / 2 - drop[0]) <= 1 and abs(body["y"] + body["height"] / 2 - drop[1]) <= 1
    # ... and a drag moves it by exactly the pointer's travel, off the grid.
    before, model_before = body, _node(page, free)
    x, y = centre(page, f'[data-node-id="{free}"] .node-label')
    drag(page, (x, y), (x + 33, y + 27))
    after, model_after = _body(page, free), _node(page, free)
    assert round(after["x"] - before["x"]) == 33 and round(after["y"] - before["y"]) == 27
    assert (model_after["x"] - model_before["x"], model_after["y"] - model_before["y"]) == (33, 27)
    assert not _on_grid(page, free)
    shot(page, "snap-off-drag")

    # Snap back on: the next drag lands on the grid again.
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    x, y = centre(page, f'[data-node-id="{free}"] .node-label')
    drag(page, (x, y), (x + 41, y + 13))
    assert _on_grid(page, free)
