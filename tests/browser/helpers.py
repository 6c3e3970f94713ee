"""Small drivers for the editor's stable test hooks (see DESIGN.md §7)."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect


def centre(page: Any, selector: str) -> tuple[float, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not visible"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drag(page: Any, src: tuple[float, float], dst: tuple[float, float], steps: int = 10) -> None:
    page.mouse.move(*src)
    page.mouse.down()
    page.mouse.move(*dst, steps=steps)
    page.mouse.up()


def workspace_point(page: Any, dx: float, dy: float) -> tuple[float, float]:
    box = page.locator("#workspace").bounding_box()
    return box["x"] + dx, box["y"] + dy


def add_node(page: Any, node_type: str, dx: float, dy: float) -> str:
    """Drag a palette entry onto the workspace at (dx, dy) from its top-left; returns the new id."""
    before = set(page.evaluate("window.__editor.state().nodes.map(n => n.id)"))
    entry = f'[data-palette-type="{node_type}"]'
    page.locator(entry).scroll_into_view_if_needed()
    drag(page, centre(page, entry), workspace_point(page, dx, dy))
    new = [n for n in page.evaluate("window.__editor.state().nodes.map(n => n.id)") if n not in before]
    assert len(new) == 1, f"dropping {node_type} added {len(new)} nodes"
    expect(page.locator(f'[data-node-id="{new[0]}"][data-node-type="{node_type}"]')).to_be_visible()
    return str(new[0])


def wire(page: Any, src: str, dst: str, port: int = 0) -> None:
    drag(
        page,
        centre(page, f'[data-node-id="{src}"] [data-port="out:{port}"]'),
        centre(page, f'[data-node-id="{dst}"] [data-port="in"]'),
    )
    expect(page.locator(f'[data-wire="{src}:{port}->{dst}"]')).to_have_count(1)


def deploy(page: Any) -> None:
    page.locator("#deploy").click()
    expect(page.locator("#deploy")).to_have_attribute("data-state", "clean")


def state(page: Any) -> dict[str, Any]:
    return dict(page.evaluate("window.__editor.state()"))


def import_json(page: Any, text: str) -> None:
    page.locator("[data-action='import']").first.click()
    page.locator("#import-json").fill(text)
    page.locator("[data-action='import-confirm']").click()
    expect(page.locator("#import-dialog")).to_have_count(0)


def deployed(page: Any, server: Any) -> dict[str, dict[str, Any]]:
    """Deploy when the editor has changes, then the server's flows by id."""
    if page.locator("#deploy").get_attribute("data-state") == "dirty":
        deploy(page)
    return {n["id"]: n for n in server.flows()["flows"]}


def open_deployed(page: Any, server: Any, flows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Deploy ``flows`` on the server, load them into the open editor, and return them by id."""
    server.deploy(flows)
    page.evaluate("() => window.__editor.app.reload()")
    page.wait_for_function(f"() => window.__editor.app.model.rev === {json.dumps(server.flows()['rev'])}")
    return deployed(page, server)


def group_holds(group: dict[str, Any], node: dict[str, Any]) -> bool:
    """Whether ``node``'s position lies inside ``group``'s box."""
    return bool(group["x"] < node["x"] < group["x"] + group["w"] and group["y"] < node["y"] < group["y"] + group["h"])


def canvas_client(page: Any, x: float, y: float) -> tuple[float, float]:
    """The client point of canvas point (x, y)."""
    p = page.evaluate(
        """([x, y]) => { const c = window.__editor.app.canvas; const r = c.svg.getBoundingClientRect();
        return [r.left + c.pan.x + x * c.zoom, r.top + c.pan.y + y * c.zoom]; }""",
        [x, y],
    )
    return float(p[0]), float(p[1])


def drag_node(page: Any, node: str, to: tuple[float, float], alt: bool = False, mark: str | None = None) -> None:
    """Drag `node` by its label to canvas point `to` (Alt held throughout when `alt`); `mark`: the
    group expected to be highlighted as the drop target, else none is."""
    page.mouse.move(*centre(page, f'[data-node-id="{node}"] .node-label'))
    if alt:
        page.keyboard.down("Alt")
    page.mouse.down()
    page.mouse.move(*canvas_client(page, *to), steps=12)
    if mark:
        expect(page.locator(f'[data-group-id="{mark}"].drop-target')).to_have_count(1)
    else:
        expect(page.locator(".drop-target")).to_have_count(0)
    page.mouse.up()
    if alt:
        page.keyboard.up("Alt")
    expect(page.locator(".drop-target")).to_have_count(0)
