"""An OpenAI chat flow built in the editor against the steady mock; a 1,000-node flow."""

from __future__ import annotations

import json
import time
from typing import Any

from playwright.sync_api import expect

from .helpers import add_node, deploy, wire

CHAT = "openai-create-chat-completion"


def test_openai_chat_flow_against_mock(editor: Any, server: Any, steady_mock: str, shot: Any) -> None:
    page = editor
    inject = add_node(page, "inject", 110, 140)
    chat = add_node(page, CHAT, 340, 140)
    debug = add_node(page, "debug", 600, 220)
    wire(page, inject, chat)
    wire(page, chat, debug)

    page.locator(f'[data-node-id="{inject}"]').dblclick()
    page.locator('#inspector [name="payloadType"]').select_option("str")
    page.locator('#inspector [name="payload"]').fill("Say hello")
    page.locator('#inspector [data-action="inspector-done"]').click()

    page.locator(f'[data-node-id="{chat}"]').dblclick()
    inspector = page.locator("#inspector")
    inspector.locator('[name="config"]').select_option("__ADD__")
    config = page.locator("#config-inspector")
    expect(config).to_be_visible()
    config.locator('[name="name"]').fill("mock")
    config.locator('[name="base_url"]').fill(steady_mock)
    config.locator('[name="api_key"]').fill("sk-test-secret")
    config.locator('[data-action="config-done"]').click()
    expect(config).to_have_count(0)
    expect(inspector.locator('[name="config"] option:checked')).to_have_text("mock")
    inspector.locator('[name="model"]').fill("gpt-4o-mini")
    inspector.locator('[data-action="add-item"][data-for="messages"]').click()
    inspector.locator('[name="messages.0.content"]').fill("You are terse.")
    shot(page, "inspector-openai")
    inspector.locator('[data-action="inspector-done"]').click()
    expect(inspector).to_have_count(0)

    deploy(page)
    stored = server.flows()["flows"]
    assert "sk-test-secret" not in json.dumps(stored)
    node = next(n for n in stored if n["id"] == chat)
    assert node["model"] == "gpt-4o-mini" and node["messages"][0]["role"] == "system"

    page.locator(f'[data-node-id="{inject}"] [data-action="inject"]').click()
    message = page.locator("#debug .debug-message").first
    expect(message).to_contain_text("choices", timeout=15000)
    shot(page, "openai-chat")

    # The stored key is never shown again: the password field holds the placeholder.
    page.locator(f'[data-node-id="{chat}"]').dblclick()
    page.locator('#inspector [data-action="edit-config"]').click()
    expect(page.locator('#config-inspector [name="api_key"]')).to_have_value("__PWRD__")
    page.locator('#config-inspector [data-action="config-cancel"]').click()
    page.locator('#inspector [data-action="inspector-cancel"]').click()


def _big_flow(count: int) -> list[dict[str, Any]]:
    flows: list[dict[str, Any]] = [
        {"id": "big", "type": "tab", "label": "Big", "disabled": False, "info": "", "env": []}
    ]
    per_chain = 4
    for chain in range(count // per_chain):
        ids = [f"n{chain}_{i}" for i in range(per_chain)]
        types = ["inject", "change", "change", "debug"]
        for i, (nid, typ) in enumerate(zip(ids, types, strict=True)):
            node: dict[str, Any] = {
                "id": nid,
                "type": typ,
                "z": "big",
                "name": "",
                "x": 120 + i * 180,
                "y": 40 + chain * 40,
                "wires": [[ids[i + 1]]] if i < per_chain - 1 else [],
            }
            if typ == "change":
                node["rules"] = [{"t": "set", "p": "payload", "pt": "msg", "to": str(i), "tot": "num"}]
            if typ == "debug":
                node.update(active=False, tosidebar=True, complete="false")
                node["wires"] = []
            flows.append(node)
    return flows


def test_thousand_node_flow_loads(page: Any, server: Any, shot: Any) -> None:
    server.deploy(_big_flow(1000))
    started = time.monotonic()
    page.goto(server.base)
    page.wait_for_selector("body[data-ready='1']", timeout=60000)
    expect(page.locator("[data-node-id]")).to_have_count(1000, timeout=60000)
    elapsed = time.monotonic() - started
    in_page = page.evaluate("window.__editor.state().loadTime")
    print(f"\n1,000-node flow: navigation to drawn {elapsed * 1000:.0f} ms (editor start {in_page:.0f} ms)")
    assert page.locator("[data-wire]").count() == 750
    # Still responsive: select all, move everything one grid step, undo.
    page.locator("#workspace svg").click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+a")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#deploy")).to_have_attribute("data-state", "dirty")
    page.keyboard.press("Control+z")
    expect(page.locator("#deploy")).to_have_attribute("data-state", "clean")
    shot(page, "thousand-nodes")
