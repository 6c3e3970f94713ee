"""Build inject -> change -> debug with the mouse, edit, deploy, inject, read the debug sidebar."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from .helpers import add_node, centre, deploy, drag, state, wire


def test_build_edit_deploy_inject_debug(editor: Any, server: Any, shot: Any) -> None:
    page = editor
    inject = add_node(page, "inject", 160, 160)
    change = add_node(page, "change", 400, 160)
    debug = add_node(page, "debug", 640, 220)
    expect(page.locator("#deploy")).to_have_attribute("data-state", "dirty")
    wire(page, inject, change)
    wire(page, change, debug)

    page.locator(f'[data-node-id="{change}"]').dblclick()
    inspector = page.locator("#inspector")
    expect(inspector).to_be_visible()
    inspector.locator('[name="name"]').fill("greeter")
    inspector.locator('[name="rules.0.tot"]').select_option("str")
    inspector.locator('[name="rules.0.to"]').fill("hello from the editor")
    expect(inspector.locator('[name="rules.0.from"]')).to_be_hidden()  # a "set" rule has no "from"
    inspector.locator('[name="rules.0.t"]').select_option("change")
    expect(inspector.locator('[name="rules.0.from"]')).to_be_visible()
    inspector.locator('[name="rules.0.t"]').select_option("set")
    shot(page, "inspector-change")
    inspector.locator('[data-action="inspector-done"]').click()
    expect(inspector).to_have_count(0)
    expect(page.locator(f'[data-node-id="{change}"] .node-label')).to_have_text("greeter")

    deploy(page)
    stored = {n["id"]: n for n in server.flows()["flows"]}
    assert stored[change]["rules"][0]["to"] == "hello from the editor"
    assert stored[inject]["wires"] == [[change]]
    assert stored[change]["wires"] == [[debug]]

    page.locator(f'[data-node-id="{inject}"] [data-action="inject"]').click()
    message = page.locator("#debug .debug-message").first
    expect(message).to_contain_text("hello from the editor")
    shot(page, "flow-debug")
    assert state(page)["dirty"] is False

    # The debug node's button switches its output off (POST /debug/:id/disable) and back on.
    toggle = page.locator(f'[data-node-id="{debug}"] [data-action="debug-toggle"]')
    toggle.click()
    expect(page.locator(f'[data-node-id="{debug}"] [data-action="debug-toggle"]')).to_have_attribute(
        "aria-pressed", "false"
    )
    page.locator("[data-action='debug-clear']").click()
    page.locator(f'[data-node-id="{inject}"] [data-action="inject"]').click()
    page.wait_for_timeout(500)
    expect(page.locator("#debug .debug-message")).to_have_count(0)
    page.locator(f'[data-node-id="{debug}"] [data-action="debug-toggle"]').click()
    page.locator(f'[data-node-id="{inject}"] [data-action="inject"]').click()
    expect(page.locator("#debug .debug-message")).to_have_count(1)

    # A "modified nodes" deploy of one edited node.
    page.locator("#deploy-type").select_option("nodes")
    page.locator(f'[data-node-id="{change}"]').dblclick()
    page.locator('#inspector [name="rules.0.to"]').fill("second edit")
    page.locator('#inspector [data-action="inspector-done"]').click()
    deploy(page)
    page.locator(f'[data-node-id="{inject}"] [data-action="inject"]').click()
    expect(page.locator("#debug .debug-message").last).to_contain_text("second edit")


def test_move_lasso_delete_wire_and_keyboard_add(editor: Any) -> None:
    page = editor
    a = add_node(page, "inject", 150, 120)
    b = add_node(page, "debug", 420, 120)
    wire(page, a, b)
    # Move a node: its wire follows, the move snaps to the 20 px grid.
    before = {n["id"]: n for n in state(page)["nodes"]}
    drag(
        page,
        centre(page, f'[data-node-id="{b}"] .node-label'),
        (
            centre(page, f'[data-node-id="{b}"] .node-label')[0] + 47,
            centre(page, f'[data-node-id="{b}"] .node-label')[1] + 61,
        ),
    )
    after = {n["id"]: n for n in state(page)["nodes"]}
    assert after[b]["y"] != before[b]["y"] and after[b]["y"] % 20 == 0
    # Select the wire and delete it; then wire again backwards, from the input to the output.
    page.locator(f'[data-wire="{a}:0->{b}"]').click()
    page.keyboard.press("Delete")
    expect(page.locator(f'[data-wire="{a}:0->{b}"]')).to_have_count(0)
    drag(
        page,
        centre(page, f'[data-node-id="{b}"] [data-port="in"]'),
        centre(page, f'[data-node-id="{a}"] [data-port="out:0"]'),
    )
    expect(page.locator(f'[data-wire="{a}:0->{b}"]')).to_have_count(1)
    # Lasso both nodes, delete them.
    box = page.locator("#workspace").bounding_box()
    drag(page, (box["x"] + 20, box["y"] + 20), (box["x"] + box["width"] - 60, box["y"] + box["height"] - 60))
    assert sorted(state(page)["selection"]) == sorted([a, b])
    page.keyboard.press("Delete")
    expect(page.locator("[data-node-id]")).to_have_count(0)
    # Keyboard: filter the palette, Enter adds at the centre; arrows move the selection.
    page.locator("#palette-filter").fill("chat completion")
    entry = page.locator('[data-palette-type="openai-create-chat-completion"]')
    expect(entry).to_be_visible()
    expect(page.locator('[data-palette-type="inject"]')).to_be_hidden()
    expect(page.locator('[data-palette-type="openai-create-embedding"]')).to_be_hidden()
    entry.focus()
    page.keyboard.press("Enter")
    expect(page.locator('[data-node-type="openai-create-chat-completion"]')).to_have_count(1)
    node = state(page)["nodes"][0]
    page.locator(f'[data-node-id="{node["id"]}"]').focus()
    page.keyboard.press("ArrowRight")
    assert state(page)["nodes"][0]["x"] == node["x"] + 20
