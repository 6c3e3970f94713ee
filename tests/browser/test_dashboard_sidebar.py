"""The editor's dashboard sidebar: tabs/pages, groups and widgets in layout order; reordering there
renumbers the siblings' `order` in one undoable step."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from .conftest import Server

FLOWS = [
    {"id": "f1", "type": "tab", "label": "Flow 1", "disabled": False, "info": "", "env": []},
    {"id": "base", "type": "ui-base", "name": "D2", "path": "/dashboard"},
    {"id": "p1", "type": "ui-page", "name": "Second page", "ui": "base", "path": "/p1", "order": 2},
    {"id": "p0", "type": "ui-page", "name": "First page", "ui": "base", "path": "/p0", "order": 1},
    {"id": "g1", "type": "ui-group", "name": "Readings", "page": "p0", "width": 6, "order": 1},
    {"id": "w1", "type": "ui-text", "z": "f1", "x": 100, "y": 100, "group": "g1", "order": 2, "name": "Second",
     "wires": []},
    {"id": "w0", "type": "ui-text", "z": "f1", "x": 100, "y": 160, "group": "g1", "order": 1, "name": "First",
     "wires": []},
    {"id": "w9", "type": "ui-text", "z": "f1", "x": 100, "y": 220, "group": "g1", "order": 0, "name": "Unordered",
     "wires": []},
    {"id": "t1", "type": "ui_tab", "name": "D1 tab", "order": 3},
]


def _labels(page: Any) -> list[str]:
    return page.locator("#dashboard-sidebar .dashboard-label").all_text_contents()


def test_dashboard_sidebar_lists_the_layout_and_reorders(page: Any, server: Server) -> None:
    server.deploy(FLOWS)
    page.goto(server.base)
    page.wait_for_selector("body[data-ready='1']", timeout=15000)
    page.locator("[data-action='dashboard-toggle']").click()
    expect(page.locator("#dashboard-sidebar")).to_be_visible()
    assert _labels(page) == ["First page", "Readings", "First", "Second", "Unordered", "Second page", "D1 tab"]
    second = page.locator('#dashboard-sidebar [data-dashboard-id="w1"]')
    second.focus()
    page.keyboard.press("Alt+ArrowUp")
    expect(page.locator("#dashboard-sidebar .dashboard-widget .dashboard-label").first).to_have_text("Second")
    orders = page.evaluate("['w1','w0','w9'].map(id => window.__editor.app.model.get(id).order)")
    assert orders == [1, 2, 3]
    page.locator('#dashboard-sidebar [data-dashboard-id="p1"]').drag_to(
        page.locator('#dashboard-sidebar [data-dashboard-id="p0"]'))
    expect(page.locator("#dashboard-sidebar .dashboard-tab .dashboard-label").first).to_have_text("Second page")
