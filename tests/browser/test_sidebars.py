"""The sidebars beside debug (DESIGN §7): info with an outline, help, context and config nodes."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

FLOWS = [
    {"id": "t1", "type": "tab", "label": "Main"},
    {"id": "t2", "type": "tab", "label": "Other"},
    {"id": "inj", "type": "inject", "z": "t1", "name": "tick", "props": [{"p": "payload"}], "payload": "",
     "payloadType": "date", "repeat": "", "crontab": "", "once": False, "onceDelay": 0.1, "topic": "",
     "x": 120, "y": 80, "wires": [["fn"]]},
    {"id": "fn", "type": "function", "z": "t1", "name": "keeper", "func":
     'context.set("n", 41 + 1); flow.set("f", "flow value"); global.set("g", {a: 1}); return msg;',
     "outputs": 1, "x": 320, "y": 80, "wires": [[]]},
    {"id": "far", "type": "debug", "z": "t2", "name": "far away", "active": True, "tosidebar": True,
     "complete": "payload", "targetType": "msg", "x": 200, "y": 200, "wires": []},
    {"id": "mq", "type": "mqtt in", "z": "t2", "broker": "brk", "topic": "a/b", "qos": "2", "datatype": "auto",
     "x": 200, "y": 120, "wires": [[]]},
    {"id": "brk", "type": "mqtt-broker", "name": "local broker", "broker": "127.0.0.1", "port": "1",
     "autoConnect": False},
    {"id": "wsl", "type": "websocket-listener", "path": "/ws/unused", "wholemsg": "false"},
]


def _load(page: Any, server: Any) -> None:
    server.deploy(FLOWS)
    page.goto(server.base)
    page.wait_for_selector("body[data-ready='1']")


def test_sidebar_info_outline_and_help(editor: Any, server: Any, shot: Any) -> None:
    page = editor
    _load(page, server)
    page.locator('[data-sidebar-tab="info"]').click()
    info = page.locator("#sidebar-info")
    expect(info).to_be_visible()
    expect(page.locator("#debug")).to_be_hidden()
    expect(info).to_contain_text("Flow: Main")
    page.locator('[data-node-id="fn"]').click()
    expect(info.locator('[data-info-key="type"]')).to_contain_text("function")
    expect(info.locator('[data-info-key="id"]')).to_contain_text("fn")
    expect(info.locator('[data-info-key="func"]')).to_contain_text("context.set")
    # The outline lists every flow; a click reveals a node on another tab.
    expect(info.locator('[data-outline-id="t2"]')).to_contain_text("Other (2)")
    info.locator('[data-outline-id="far"]').click()
    expect(page.locator('[data-node-id="far"]')).to_have_class("node selected")
    assert page.evaluate("window.__editor.state().tab") == "t2"
    shot(page, "sidebar-info")
    # Help: the selected node's help, then a palette entry's.
    page.locator('[data-sidebar-tab="help"]').click()
    help_panel = page.locator("#sidebar-help")
    expect(help_panel.locator("[data-help-type]")).to_have_attribute("data-help-type", "debug")
    help_text = page.evaluate("window.__editor.app.model.types.get('debug').help")
    expect(help_panel.locator(".help-body")).to_contain_text(help_text.strip().splitlines()[0][:40])
    page.locator('[data-palette-type="switch"]').focus()
    expect(help_panel.locator("[data-help-type]")).to_have_attribute("data-help-type", "switch")
    page.locator('[data-sidebar-tab="debug"]').click()
    expect(page.locator("#debug")).to_be_visible()


def test_sidebar_context_refresh_and_delete(editor: Any, server: Any) -> None:
    page = editor
    _load(page, server)
    page.locator('[data-node-id="inj"] [data-action="inject"]').click()
    base = server.base
    deadline_ok = False
    for _ in range(50):
        body = httpx.get(base + "context/global", timeout=5).json()
        if any("g" in v for v in body.values()):
            deadline_ok = True
            break
        page.wait_for_timeout(100)
    assert deadline_ok, "the function node did not run"
    page.locator('[data-node-id="fn"]').click()
    page.locator('[data-sidebar-tab="context"]').click()
    panel = page.locator("#sidebar-context")
    panel.locator('[data-action="refresh-context"]').click()
    expect(panel.locator('[data-context-scope="node"] [data-context-key="n"]')).to_contain_text("42")
    expect(panel.locator('[data-context-scope="flow"] [data-context-key="f"]')).to_contain_text("flow value")
    expect(panel.locator('[data-context-scope="global"] [data-context-key="g"]')).to_contain_text("a")
    panel.locator('[data-context-scope="global"] [data-context-key="g"] [data-action="delete-context"]').click()
    expect(panel.locator('[data-context-scope="global"] [data-context-key="g"]')).to_have_count(0)
    body = httpx.get(base + "context/global", timeout=5).json()
    assert not any("g" in v for v in body.values())


def test_sidebar_config_nodes_usage_edit_delete(editor: Any, server: Any) -> None:
    page = editor
    _load(page, server)
    page.locator('[data-sidebar-tab="config"]').click()
    panel = page.locator("#sidebar-config")
    expect(panel.locator('[data-config-id="brk"]')).to_have_attribute("data-config-users", "1")
    expect(panel.locator('[data-config-id="brk"] [data-config-unused]')).to_have_count(0)
    expect(panel.locator('[data-config-id="wsl"]')).to_have_attribute("data-config-users", "0")
    expect(panel.locator('[data-config-id="wsl"] [data-config-unused]')).to_have_count(1)
    panel.locator('[data-config-id="brk"] [data-action="edit-config-node"]').click()
    dialog = page.locator("#config-inspector")
    expect(dialog.locator('[name="name"]')).to_have_value("local broker")
    dialog.locator('[name="name"]').fill("renamed broker")
    dialog.locator('[data-action="config-done"]').click()
    expect(panel.locator('[data-config-id="brk"]')).to_contain_text("renamed broker")
    panel.locator('[data-config-id="wsl"] [data-action="delete-config-node"]').click()
    expect(panel.locator('[data-config-id="wsl"]')).to_have_count(0)
    page.locator("#deploy").click()
    expect(page.locator("#deploy")).to_have_attribute("data-state", "clean")
    stored = {n["id"]: n for n in server.flows()["flows"]}
    assert "wsl" not in stored
    assert stored["brk"]["name"] == "renamed broker"
