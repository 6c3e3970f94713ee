"""Keyboard and screen-reader access: culled nodes stay reachable, groups and splicing by keyboard,
the model combobox, secrets never echoed, named merge conflicts, aria labels and announcements."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from .helpers import state

ACTIVE_NODE = "document.activeElement && document.activeElement.dataset.nodeId"


def _in_view(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    ws = page.locator("#workspace").bounding_box()
    if box is None or ws is None:
        return False
    return bool(
        box["x"] >= ws["x"] and box["y"] >= ws["y"]
        and box["x"] + box["width"] <= ws["x"] + ws["width"]
        and box["y"] + box["height"] <= ws["y"] + ws["height"]
    )


def test_tab_reaches_culled_nodes_and_pans_to_them(page: Any, server: Any) -> None:
    from .test_openai_scale import _big_flow

    server.deploy(_big_flow(1000))
    page.goto(server.base)
    page.wait_for_selector("body[data-ready='1']", timeout=60000)
    expect(page.locator('[data-node-id="n0_0"]')).to_be_visible()
    # The first node (in Tab order) that culling has hidden, and the focusable item just before it.
    first_hidden = page.evaluate(
        "[...document.querySelectorAll('.layer-nodes [data-node-id]')].find(e => e.style.display === 'none').dataset.nodeId"
    )
    expect(page.locator(f'[data-node-id="{first_hidden}"]')).to_be_hidden()
    page.evaluate(
        """id => {
            const items = [...document.querySelectorAll('.canvas [tabindex="0"]')];
            const i = items.indexOf(document.querySelector(`[data-node-id="${id}"]`));
            items[i - 1].focus();
        }""",
        first_hidden,
    )
    pan_before = page.evaluate("({...window.__editor.app.canvas.pan})")
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE_NODE) == first_hidden
    target = f'[data-node-id="{first_hidden}"]'
    expect(page.locator(target)).to_be_visible()
    assert page.evaluate("({...window.__editor.app.canvas.pan})") != pan_before, "the view did not pan"
    assert _in_view(page, target)
    assert state(page)["selection"] == [first_hidden]
    # Keep going: a few more Tabs keep walking forward, each focused item in view.
    for _ in range(6):
        page.keyboard.press("Tab")
    far = page.evaluate(ACTIVE_NODE) or page.evaluate("document.activeElement.closest('[data-node-id]').dataset.nodeId")
    assert far != first_hidden
    assert _in_view(page, f'[data-node-id="{far}"]')
    # Jump to the far end of the flow and walk back with Shift+Tab: same thing backwards.
    page.evaluate("window.__editor.app.focusNode('n249_3')")
    assert page.evaluate(ACTIVE_NODE) == "n249_3"
    assert _in_view(page, '[data-node-id="n249_3"]')
    expect(page.locator('[data-node-id="n0_0"]')).to_be_hidden()
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(ACTIVE_NODE) == "n249_2"
