"""A debug node flooded with 20,000 messages: the editor stays connected and shows one summary entry.

Without the debug node's rate limit (``debugMaxRate``) the burst overflows the comms client's
queue (``commsQueueLimit``), the hub disconnects the editor and the sidebar is lost.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

FLOWS = [
    {"id": "tab1", "type": "tab", "label": "Flood", "disabled": False, "info": "", "env": []},
    {"id": "inj", "type": "inject", "z": "tab1", "name": "go", "props": [{"p": "payload"}], "payload": "",
     "payloadType": "date", "repeat": "", "once": False, "x": 100, "y": 100, "wires": [["burst"]]},
    {"id": "burst", "type": "function", "language": "python",
     "z": "tab1", "name": "burst", "outputs": 1, "x": 250, "y": 100,
     "func": "for i in range(20000):\n    node.send({'payload': i})\nreturn None", "wires": [["flood"]]},
    {"id": "flood", "type": "debug", "z": "tab1", "name": "flood <b>", "active": True, "tosidebar": True,
     "complete": "payload", "x": 400, "y": 100, "wires": []},
]


def test_flooded_debug_node_keeps_the_editor_connected(editor: Any, server: Any) -> None:
    page = editor
    server.deploy(FLOWS)
    page.goto(server.base)
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_function("document.body.dataset.connection === 'connected'")
    page.evaluate(
        "() => { window.__lost = 0; const banner = document.getElementById('connection-banner');"
        " new MutationObserver(() => { if (!banner.hidden) window.__lost += 1; })"
        ".observe(banner, {attributes: true}); }"
    )
    page.locator('[data-node-id="inj"] [data-action="inject"]').click()
    summary = page.locator("#debug .debug-dropped").first
    expect(summary).to_be_visible(timeout=15000)
    expect(summary).to_contain_text("from flood <b> not shown (over 50/s)")
    assert summary.locator("b").count() == 0  # the node name is text, never HTML
    assert int(summary.get_attribute("data-dropped") or 0) > 0
    page.wait_for_timeout(2500)  # the rest of the burst and the last window's summary
    assert page.evaluate("window.__lost") == 0
    expect(page.locator("#connection-banner")).to_be_hidden()
    assert page.evaluate("document.body.dataset.connection") == "connected"
    counts = page.evaluate(
        "[...document.querySelectorAll('#debug .debug-message')].map(e => Number(e.dataset.dropped || 0))"
    )
    assert 0 < len(counts) <= 100
    plain = sum(1 for c in counts if c == 0)
    assert plain + sum(counts) == 20000 or len(counts) == 100  # every message shown or counted
