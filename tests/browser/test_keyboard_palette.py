"""Keyboard-only building: filter the palette, Enter adds the first match, arrows walk entries."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from .helpers import state


def _focused(page: Any) -> str:
    return str(page.evaluate("document.activeElement.getAttribute('data-palette-type') || document.activeElement.id"))


def test_filter_enter_adds_first_match_and_arrows_walk(editor: Any) -> None:
    page = editor
    page.keyboard.press("Control+Shift+P")  # ctrl+F searches the flows (DESIGN §7)
    assert _focused(page) == "palette-filter"
    page.keyboard.type("inject")
    page.keyboard.press("Enter")
    nodes = state(page)["nodes"]
    assert [n["type"] for n in nodes] == ["inject"]
    assert _focused(page) == "palette-filter"  # ready for the next one
    page.keyboard.press("Control+a")
    page.keyboard.type("link")
    page.keyboard.press("ArrowDown")
    first = _focused(page)
    assert first.startswith("link")
    page.keyboard.press("ArrowDown")
    second = _focused(page)
    assert second.startswith("link") and second != first
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert _focused(page) == "palette-filter"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator(f'[data-node-type="{first}"]')).to_have_count(1)
