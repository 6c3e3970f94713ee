"""Core node help in Node-RED's shape (issue 11): the help sidebar shows a core node's help with its
section headings (Inputs, Outputs, Details, References) as headings, in order, with the message
properties as a list, not as Markdown source."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

TAB = {"id": "t1", "type": "tab", "label": "Main", "disabled": False, "info": "", "env": []}
FLOW = [
    TAB,
    {"id": "inj", "type": "inject", "z": "t1", "name": "", "props": [{"p": "payload"}], "repeat": "",
     "crontab": "", "once": False, "onceDelay": 0.1, "topic": "", "payload": "", "payloadType": "date",
     "x": 120, "y": 80, "wires": [["chg"]]},
    {"id": "chg", "type": "change", "z": "t1", "name": "",
     "rules": [{"t": "set", "p": "payload", "pt": "msg", "to": "x", "tot": "str"}], "x": 320, "y": 80,
     "wires": [[]]},
]


def _headings(body: Any) -> list[str]:
    return [t.strip() for t in body.locator("h4, h5, h6").all_inner_texts()]


def test_help_sidebar_shows_core_help_sections(editor: Any, server: Any, shot: Any) -> None:
    page = editor
    server.deploy(FLOW)
    page.evaluate("() => window.__editor.app.reload()")
    page.wait_for_function(f"() => window.__editor.app.model.rev === {json.dumps(server.flows()['rev'])}")
    page.locator('[data-node-id="chg"]').click()
    page.locator('[data-sidebar-tab="help"]').click()
    panel = page.locator("#sidebar-help")
    expect(panel.locator("[data-help-type]")).to_have_attribute("data-help-type", "change")
    body = panel.locator(".help-formatted")
    expect(body.locator("h6", has_text="Details")).to_be_visible()
    assert _headings(body) == ["Inputs", "Outputs", "Details", "References"]
    summary = body.locator("p").first.inner_text()
    assert summary.startswith("Sets, changes, moves or deletes"), summary
    # Each section's properties are list items with the property name as code.
    expect(body.locator("li code", has_text="msg").first).to_be_visible()
    assert body.locator("li").count() >= 6  # the inputs, outputs and the four kinds of rule
    assert "###" not in body.inner_text()
    shot(page, "help-sections-change")

    # A node without input: Outputs and Details only, and a References link that opens elsewhere.
    page.locator('[data-node-id="inj"]').click()
    expect(panel.locator("[data-help-type]")).to_have_attribute("data-help-type", "inject")
    expect(body.locator("h6", has_text="References")).to_be_visible()
    assert _headings(body) == ["Outputs", "Details", "References"]
    link = body.locator("a").last
    expect(link).to_have_attribute("target", "_blank")
    assert link.get_attribute("href", timeout=5000).startswith("https://nodered.org/")


def _palette_help(page: Any, search: str, type_name: str) -> Any:
    page.locator("#palette input").first.fill(search)
    page.locator(f'[data-palette-type="{type_name}"]').focus()
    panel = page.locator("#sidebar-help")
    expect(panel.locator("[data-help-type]")).to_have_attribute("data-help-type", type_name)
    return panel.locator(".help-formatted")


def test_help_sidebar_shows_openai_and_dashboard_help_sections(editor: Any, shot: Any) -> None:
    page = editor
    page.locator('[data-sidebar-tab="help"]').click()
    # An OpenAI operation node: generated from the catalog, with the same sections as the core nodes.
    body = _palette_help(page, "create chat completion", "openai-create-chat-completion")
    assert _headings(body) == ["Inputs", "Outputs", "Details", "References"]
    assert body.locator("p").first.inner_text().startswith("Create chat completion: POST /chat/completions")
    required = body.locator("li", has=page.locator("strong", has_text="required"))
    assert required.evaluate_all("els => els.map(e => e.querySelector('code').textContent)") == ["messages", "model"]
    expect(body.locator("li", has_text="temperature")).to_contain_text("0 … 2, default 1")
    expect(body.locator("li code", has_text="msg.openai")).to_be_visible()
    link = body.locator("a")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", "https://platform.openai.com/docs/api-reference/chat/create")
    expect(link).to_have_attribute("target", "_blank")
    text = body.inner_text()
    assert "###" not in text and "**" not in text and "`" not in text  # all of it formatted, none left as source
    expect(body.locator("li", has_text="reasoning_effort").locator("em")).to_contain_text('"low", "medium"')
    shot(page, "help-sections-openai")

    # A Dashboard 2 widget and a Dashboard 1 widget: written pages, inputs and outputs as lists.
    body = _palette_help(page, "ui-switch", "ui-switch")
    assert _headings(body) == ["Inputs", "Outputs", "Details"]
    expect(body.locator("li code", has_text="msg.ui_update")).to_be_visible()
    expect(body.locator("li code", has_text="msg.enabled")).to_be_visible()
    body = _palette_help(page, "ui_switch", "ui_switch")
    assert _headings(body) == ["Inputs", "Outputs", "Details"]
    expect(body.locator("li code", has_text="msg.ui_control")).to_be_visible()
    expect(body.locator("li code", has_text="msg.socketid")).to_be_visible()
    shot(page, "help-sections-dashboard")
