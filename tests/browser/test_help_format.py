"""Help pages formatted (issue 11): the help sidebar and the inspector's help show a node's help as
HTML (paragraphs, code, emphasis, lists) with its properties as a definition list, as Node-RED's
help sidebar does; a subflow's description is formatted the same way and never parsed as HTML."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

TAB = {"id": "t1", "type": "tab", "label": "Main", "disabled": False, "info": "", "env": []}
INFO = ("Counts **events** per `msg.topic`.\n\n- resets at *midnight*\n- keeps <b>no</b> state\n\n"
        "<img src=x onerror=alert(1)>")
FLOW = [
    TAB,
    {"id": "sf1", "type": "subflow", "name": "counter", "info": INFO, "category": "", "in": [], "out": [],
     "env": [], "color": "#DDAA99"},
    {"id": "fn", "type": "function", "z": "t1", "name": "f", "func": "return msg;", "language": "python",
     "outputs": 1, "x": 160, "y": 80, "wires": [[]]},
    {"id": "inst", "type": "subflow:sf1", "z": "t1", "name": "", "x": 160, "y": 200, "wires": []},
]


def test_help_sidebar_and_inspector_show_formatted_help(editor: Any, server: Any, shot: Any) -> None:
    page = editor
    server.deploy(FLOW)
    page.evaluate("() => window.__editor.app.reload()")
    page.wait_for_function(f"() => window.__editor.app.model.rev === {json.dumps(server.flows()['rev'])}")
    page.locator('[data-node-id="fn"]').click()
    page.locator('[data-sidebar-tab="help"]').click()
    panel = page.locator("#sidebar-help")
    expect(panel.locator("[data-help-type]")).to_have_attribute("data-help-type", "function")
    body = panel.locator(".help-formatted")
    assert body.locator("p").count() >= 3  # one element per paragraph, not one block of text
    expect(body.locator("strong").first).to_have_text("JavaScript")
    expect(body.locator("code", has_text="msg").first).to_be_visible()
    text = body.inner_text()
    assert "**" not in text and "`" not in text, text[:300]
    # The properties, each with its type, description and default.
    expect(panel.locator('.help-properties dt[data-help-property="outputs"]')).to_contain_text("outputs")
    expect(panel.locator('.help-properties dt[data-help-property="func"]')).to_have_count(1)
    shot(page, "help-formatted")

    # A subflow's description: Markdown formatted, its HTML shown as text.
    page.locator('[data-node-id="inst"]').click()
    expect(panel.locator("[data-help-type]")).to_have_attribute("data-help-type", "subflow:sf1")
    expect(body.locator("strong")).to_have_text("events")
    expect(body.locator("code")).to_have_text("msg.topic")
    expect(body.locator("li")).to_have_count(2)
    expect(body.locator("li em")).to_have_text("midnight")
    expect(body.locator("li").nth(1)).to_have_text("keeps <b>no</b> state")
    assert body.locator("b, img").count() == 0
    expect(body).to_contain_text("<img src=x onerror=alert(1)>")

    # The inspector's help is formatted too.
    page.evaluate("() => window.__editor.app.openInspector('fn')")
    dialog = page.locator("#inspector")
    dialog.locator("details.help summary").click()
    expect(dialog.locator("details.help .help-formatted strong").first).to_have_text("JavaScript")
    dialog.locator('[data-action="inspector-cancel"]').click()
    expect(dialog).to_have_count(0)
