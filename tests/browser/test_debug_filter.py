"""The debug sidebar's filters: debug nodes chosen by name (any tab, kept across tab switches) and
the current tab."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

FLOWS = [
    {"id": "tab1", "type": "tab", "label": "First", "disabled": False, "info": "", "env": []},
    {"id": "tab2", "type": "tab", "label": "Second", "disabled": False, "info": "", "env": []},
    {"id": "alpha", "type": "debug", "z": "tab1", "name": "alpha <i>", "active": True, "tosidebar": True,
     "complete": "false", "x": 300, "y": 100, "wires": []},
    {"id": "beta", "type": "debug", "z": "tab2", "name": "beta", "active": True, "tosidebar": True,
     "complete": "false", "x": 300, "y": 100, "wires": []},
    {"id": "gamma", "type": "debug", "z": "tab2", "name": "gamma", "active": True, "tosidebar": True,
     "complete": "false", "x": 300, "y": 200, "wires": []},
    {"id": "fn", "type": "function", "language": "python",
     "z": "tab1", "name": "not a debug node", "func": "return msg", "outputs": 1,
     "x": 100, "y": 100, "wires": [["alpha"]]},
]


def _load(page: Any, server: Any) -> Any:
    server.deploy(FLOWS)
    page.goto(server.base)
    page.wait_for_selector("body[data-ready='1']")
    return page


def _messages(page: Any, *sources: tuple[str, str]) -> None:
    page.evaluate(
        "sources => sources.forEach(([id, z], i) => window.__editor.app.debug.add("
        "{id, z, msg: `${id} says ${i}`, format: 'string[5]'}))",
        list(sources),
    )


def _visible(page: Any) -> list[str]:
    page.wait_for_function("document.querySelectorAll('#debug .debug-message').length > 0")
    return list(page.evaluate(
        "[...document.querySelectorAll('#debug .debug-message')].filter(e => !e.hidden).map(e => e.dataset.sourceId)"
    ))


def test_filter_by_chosen_debug_nodes_survives_tab_switches(page: Any, server: Any) -> None:
    _load(page, server)
    _messages(page, ("alpha", "tab1"), ("beta", "tab2"), ("gamma", "tab2"), ("fn", "tab1"))
    expect(page.locator("#debug .debug-message")).to_have_count(4)
    picker = page.locator("[data-debug-picker]")
    expect(picker).to_be_hidden()
    page.locator("[data-action='debug-filter']").select_option("nodes")
    expect(picker).to_be_visible()
    # Every debug node of the flows, on any tab, by name (as text); no other node types.
    boxes = picker.locator("input[data-debug-node]")
    expect(boxes).to_have_count(3)
    expect(picker).to_contain_text("alpha <i> (First)")
    expect(picker).to_contain_text("beta (Second)")
    expect(picker).to_contain_text("gamma (Second)")
    assert picker.locator("i").count() == 0
    assert _visible(page) == []  # nothing chosen yet
    picker.get_by_label("beta").check()
    assert _visible(page) == ["beta"]
    picker.get_by_label("alpha <i>").check()
    assert _visible(page) == ["alpha", "beta"]
    # Switching tabs (which clears the canvas selection) keeps the choice and the filter.
    page.locator('[data-tab-id="tab2"]').click()
    page.locator('[data-node-id="gamma"]').click()
    page.locator('[data-tab-id="tab1"]').click()
    assert _visible(page) == ["alpha", "beta"]
    expect(picker.locator('[data-debug-node="beta"]')).to_be_checked()
    expect(picker.locator('[data-debug-node="gamma"]')).not_to_be_checked()
    # New messages are filtered the same way.
    _messages(page, ("gamma", "tab2"), ("beta", "tab2"))
    page.wait_for_function("document.querySelectorAll('#debug .debug-message').length === 6")
    assert _visible(page) == ["alpha", "beta", "beta"]
    # A debug node added in the editor shows up in the list; unchecking hides its messages again.
    page.evaluate("window.__editor.app.addNode('debug', 500, 300)")
    expect(boxes).to_have_count(4)
    picker.get_by_label("alpha <i>").uncheck()
    assert _visible(page) == ["beta", "beta"]
    page.locator("[data-action='debug-filter']").select_option("all")
    expect(picker).to_be_hidden()
    assert len(_visible(page)) == 6
    # Back to "chosen": the choice was kept.
    page.locator("[data-action='debug-filter']").select_option("nodes")
    assert _visible(page) == ["beta", "beta"]


def test_filter_current_tab(page: Any, server: Any) -> None:
    _load(page, server)
    _messages(page, ("alpha", "tab1"), ("beta", "tab2"), ("gamma", "tab2"))
    expect(page.locator("#debug .debug-message")).to_have_count(3)
    page.locator("[data-action='debug-filter']").select_option("tab")
    assert _visible(page) == ["alpha"]
    page.locator('[data-tab-id="tab2"]').click()
    assert _visible(page) == ["beta", "gamma"]
    _messages(page, ("alpha", "tab1"), ("gamma", "tab2"))
    page.wait_for_function("document.querySelectorAll('#debug .debug-message').length === 5")
    assert _visible(page) == ["beta", "gamma", "gamma"]
    page.locator('[data-tab-id="tab1"]').click()
    assert _visible(page) == ["alpha", "alpha"]
    page.locator("[data-action='debug-filter']").select_option("all")
    assert len(_visible(page)) == 5
