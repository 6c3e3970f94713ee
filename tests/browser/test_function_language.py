"""The function node made in the editor runs Python; the form switches it to JavaScript."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from .helpers import add_node, deploy, wire


def test_new_function_node_is_python_and_switches_to_javascript(editor: Any, server: Any) -> None:
    page = editor
    inject = add_node(page, "inject", 160, 160)
    py = add_node(page, "function", 400, 160)
    js = add_node(page, "function", 400, 300)
    debug = add_node(page, "debug", 640, 220)
    wire(page, inject, py)
    wire(page, py, js)
    wire(page, js, debug)

    page.locator(f'[data-node-id="{py}"]').dblclick()
    inspector = page.locator("#inspector")
    expect(inspector.locator('[name="language"]')).to_have_value("python")
    inspector.locator('[name="func"]').fill('msg["payload"] = "py:" + str(msg["payload"])\nreturn msg')
    inspector.locator('[data-action="inspector-done"]').click()

    page.locator(f'[data-node-id="{js}"]').dblclick()
    inspector.locator('[name="language"]').select_option("javascript")
    inspector.locator('[name="func"]').fill('msg.payload = msg.payload + " js:" + typeof msg.payload;\nreturn msg;')
    inspector.locator('[data-action="inspector-done"]').click()

    deploy(page)
    stored = {n["id"]: n for n in server.flows()["flows"]}
    assert stored[py]["language"] == "python" and stored[js]["language"] == "javascript"

    page.locator(f'[data-node-id="{inject}"] [data-action="inject"]').click()
    expect(page.locator("#debug .debug-message").first).to_contain_text("js:string")
