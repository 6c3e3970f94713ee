"""Tabs, subflow instances, live status, error log entries, keyboard wiring, deploy errors, debug cap."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from .helpers import add_node, centre, deploy, import_json, state


def test_tabs_add_rename_switch_delete(editor: Any) -> None:
    page = editor
    page.locator("[data-action='add-tab']").click()
    tabs = state(page)["tabs"]
    assert len(tabs) == 2
    new = tabs[1]["id"]
    expect(page.locator(f'[data-tab-id="{new}"]')).to_have_attribute("aria-selected", "true")
    add_node(page, "inject", 200, 150)
    page.locator(f'[data-tab-id="{new}"]').dblclick()
    page.locator(".prompt-dialog [name='value']").fill("Second <flow>")
    page.locator("[data-action='prompt-ok']").click()
    expect(page.locator(f'[data-tab-id="{new}"]')).to_contain_text("Second <flow>")
    page.locator('[data-tab-id="tab1"]').click()
    expect(page.locator("[data-node-id]")).to_have_count(0)
    page.locator(f'[data-tab-id="{new}"]').click()
    expect(page.locator("[data-node-id]")).to_have_count(1)
    page.locator(f'[data-tab-id="{new}"] [data-action="delete-tab"]').click()
    page.locator("[data-action='confirm-delete']").click()
    expect(page.locator(f'[data-tab-id="{new}"]')).to_have_count(0)
    assert state(page)["nodes"] == []


SUBFLOW = [
    {
        "id": "sf1",
        "type": "subflow",
        "name": "Doubler",
        "info": "",
        "category": "",
        "env": [],
        "color": "#DDAA99",
        "in": [{"x": 60, "y": 80, "wires": [{"id": "sfc"}]}],
        "out": [
            {"x": 400, "y": 60, "wires": [{"id": "sfc", "port": 0}]},
            {"x": 400, "y": 120, "wires": [{"id": "sfc", "port": 0}]},
        ],
    },
    {
        "id": "sfc",
        "type": "change",
        "z": "sf1",
        "name": "double",
        "rules": [{"t": "set", "p": "payload", "pt": "msg", "to": "payload * 2", "tot": "jsonata"}],
        "x": 220,
        "y": 80,
        "wires": [[]],
    },
    {"id": "inst", "type": "subflow:sf1", "z": "tab1", "name": "", "env": [], "x": 300, "y": 120, "wires": [[], []]},
]


def test_subflow_instance_has_its_ports(editor: Any) -> None:
    page = editor
    import_json(page, json.dumps(SUBFLOW))
    inst = page.locator('[data-node-id="inst"]')
    expect(inst).to_contain_text("Doubler")
    expect(inst.locator('[data-port="in"]')).to_have_count(1)
    expect(inst.locator('[data-port^="out:"]')).to_have_count(2)
    expect(page.locator('[data-tab-id="sf1"]')).to_contain_text("Doubler")
    expect(page.locator('[data-palette-type="subflow:sf1"]')).to_have_count(1)
    page.locator('[data-tab-id="sf1"]').click()
    expect(page.locator('[data-node-id="sfc"]')).to_be_visible()
    expect(page.locator(".subflow-port")).to_have_count(3)
    expect(page.locator(".subflow-wire")).to_have_count(3)


def test_status_errors_keyboard_wiring_and_debug_cap(editor: Any, shot: Any) -> None:
    page = editor
    flows = [
        {
            "id": "i1",
            "type": "inject",
            "z": "tab1",
            "name": "go",
            "props": [{"p": "payload"}],
            "payload": "7",
            "payloadType": "num",
            "repeat": "",
            "once": False,
            "x": 140,
            "y": 100,
            "wires": [["f1"]],
        },
        {
            "id": "f1",
            "type": "function", "language": "python",
            "z": "tab1",
            "name": "boom",
            "func": "raise ValueError('boom')",
            "outputs": 1,
            "x": 360,
            "y": 100,
            "wires": [[]],
        },
        {
            "id": "d1",
            "type": "debug",
            "z": "tab1",
            "name": "shows status",
            "active": True,
            "tosidebar": True,
            "tostatus": True,
            "complete": "payload",
            "targetType": "msg",
            "x": 600,
            "y": 200,
            "wires": [],
        },
    ]
    import_json(page, json.dumps(flows))
    # Keyboard-only wiring: focus the inject node, Enter opens the inspector, connect in Connections.
    page.locator('[data-node-id="i1"]').focus()
    page.keyboard.press("Enter")
    page.locator('#inspector [name="wire-out-0"]').select_option("d1")
    page.locator('#inspector [data-action="inspector-done"]').click()
    expect(page.locator('[data-wire="i1:0->d1"]')).to_have_count(1)
    deploy(page)
    page.locator('[data-node-id="i1"]').focus()
    page.keyboard.press("Tab")  # the inject button is next in tab order
    page.keyboard.press("Enter")
    expect(page.locator("#debug .debug-error").first).to_contain_text("boom")
    expect(page.locator('[data-node-id="d1"] [data-node-status]')).to_contain_text("7")
    shot(page, "status-and-errors")
    # Filters: only messages of the selected node.
    page.locator("[data-action='debug-filter']").select_option("selected")
    page.locator('[data-node-id="d1"]').click()
    expect(page.locator("#debug .debug-message:visible")).to_have_count(1)
    page.locator("[data-action='debug-filter']").select_option("all")
    # At most 100 messages are kept.
    page.evaluate(
        "for (let i = 0; i < 120; i++)"
        " window.__editor.app.debug.add({id: 'd1', z: 'tab1', msg: String(i), format: 'number'})"
    )
    expect(page.locator("#debug .debug-message")).to_have_count(100)
    expect(page.locator("#debug .debug-message").last).to_contain_text("119")
    page.locator("[data-action='debug-clear']").click()
    expect(page.locator("#debug .debug-message")).to_have_count(0)


def test_invalid_property_badge_and_message(editor: Any) -> None:
    page = editor
    change = add_node(page, "change", 300, 200)
    page.locator(f'[data-node-id="{change}"]').dblclick()
    page.locator('#inspector [name="rules.0.tot"]').select_option("json")
    page.locator('#inspector [name="rules.0.to"]').fill("{not json")
    page.locator('#inspector [data-action="inspector-done"]').click()
    expect(page.locator("#inspector .inspector-errors")).to_contain_text("rules.0.to")
    expect(page.locator("#inspector")).to_contain_text("not valid JSON")
    page.locator('#inspector [name="rules.0.to"]').fill('{"ok": true}')
    page.locator('#inspector [data-action="inspector-done"]').click()
    expect(page.locator("#inspector")).to_have_count(0)
    # A schema violation is kept but marked: the node gets a badge naming the field.
    page.evaluate(
        """(id) => { const a = window.__editor.app;
        a.history.run('edit', () => a.model.updateNode(id, {...a.model.get(id), rules: 'nope'})); }""",
        change,
    )
    badge = page.locator(f'[data-node-id="{change}"]')
    expect(badge).to_have_attribute("aria-invalid", "true")
    expect(badge.locator(".node-error title")).to_contain_text("rules")
    # The server refuses it too, naming the node; the editor says so and stays dirty.
    page.locator("#deploy").click()
    expect(page.locator(".notice-error")).to_contain_text(change)
    expect(page.locator("#deploy")).to_have_attribute("data-state", "dirty")


def test_pan_zoom_snap_and_file_import(editor: Any, tmp_path: Any) -> None:
    page = editor
    node = add_node(page, "inject", 300, 200)
    before = page.locator(f'[data-node-id="{node}"]').bounding_box()
    # Ctrl+wheel zooms at the pointer; the keyboard resets.
    x, y = centre(page, "#workspace")
    page.mouse.move(x, y)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    expect(page.locator("#workspace")).not_to_have_attribute("data-zoom", "1.00")
    assert page.locator(f'[data-node-id="{node}"]').bounding_box()["width"] > before["width"]
    page.locator("#workspace svg").click(position={"x": 5, "y": 5})
    page.keyboard.press("0")
    expect(page.locator("#workspace")).to_have_attribute("data-zoom", "1.00")
    # Space-drag (or a middle-button drag) on empty canvas pans without moving nodes.
    page.mouse.move(x, y + 150)
    page.mouse.down(button="middle")
    page.mouse.move(x + 100, y + 190, steps=5)
    page.mouse.up(button="middle")
    after = page.locator(f'[data-node-id="{node}"]').bounding_box()
    assert round(after["x"] - before["x"]) == 100 and round(after["y"] - before["y"]) == 40
    width = float(page.locator(f'[data-node-id="{node}"] .node-body').get_attribute("width"))
    assert ({n["id"]: n for n in state(page)["nodes"]}[node]["x"] - width / 2) % 20 == 0  # left edge on the grid
    # Without snapping a drop keeps its exact point.
    page.locator("[data-action='snap']").click()
    expect(page.locator("[data-action='snap']")).to_have_attribute("aria-pressed", "false")
    # Import from a file.
    path = tmp_path / "flow.json"
    path.write_text(
        json.dumps(
            [{"id": "fi1", "type": "comment", "z": "tab1", "name": "from a file", "x": 200, "y": 300, "wires": []}]
        )
    )
    page.locator("[data-action='import']").first.click()
    page.locator("[data-action='import-file']").set_input_files(str(path))
    expect(page.locator("#import-json")).to_have_value(path.read_text())
    page.locator("[data-action='import-confirm']").click()
    expect(page.locator('[data-node-id="fi1"]')).to_contain_text("from a file")


def test_quick_add_and_keyboard_help(editor: Any) -> None:
    page = editor
    x, y = centre(page, "#workspace")
    page.mouse.dblclick(x - 200, y - 100)
    page.keyboard.type("inject")
    page.keyboard.press("Enter")
    expect(page.locator('[data-node-type="inject"]')).to_have_count(1)
    inject = state(page)["nodes"][0]["id"]
    # Releasing a wire on empty canvas offers the search; the new node comes wired.
    port = centre(page, f'[data-node-id="{inject}"] [data-port="out:0"]')
    page.mouse.move(*port)
    page.mouse.down()
    page.mouse.move(port[0] + 250, port[1] + 80, steps=8)
    page.mouse.up()
    expect(page.locator("[data-quickadd]")).to_be_visible()
    page.keyboard.type("debug")
    page.keyboard.press("Enter")
    debug = next(n["id"] for n in state(page)["nodes"] if n["type"] == "debug")
    expect(page.locator(f'[data-wire="{inject}:0->{debug}"]')).to_have_count(1)
    page.locator("[data-action='help']").click()
    expect(page.locator("#help-dialog")).to_contain_text("Space")
    page.keyboard.press("Escape")
    expect(page.locator("#help-dialog")).to_have_count(0)


def test_number_written_as_text_and_stored_problems_shown(editor: Any) -> None:
    page = editor
    flow = [
        {"id": "dl", "type": "delay", "z": "tab1", "name": "", "pauseType": "delay", "timeout": "five",
         "timeoutUnits": "seconds", "x": 200, "y": 100, "wires": [[]]},
        {"id": "dl2", "type": "delay", "z": "tab1", "name": "", "pauseType": "delay", "timeout": "${WAIT}",
         "timeoutUnits": "seconds", "x": 200, "y": 200, "wires": [[]]},
        {"id": "oa", "type": "openai-create-chat-completion", "z": "tab1", "name": "", "temperature": "hot",
         "x": 450, "y": 300, "wires": [[]]},
    ]
    page.locator("[data-action='import']").first.click()
    page.locator("#import-json").fill(json.dumps(flow))
    page.locator("[data-action='import-confirm']").click()
    delay = page.locator('[data-node-id="dl"]')
    expect(delay).to_have_attribute("aria-invalid", "true")
    expect(delay.locator(".node-error title")).to_contain_text('timeout: must be a number, got "five"')
    expect(page.locator('[data-node-id="dl2"]')).not_to_have_attribute("aria-invalid", "true")  # env reference
    # A number field cannot display "hot": the form still says what the stored value's problem is.
    page.locator('[data-node-id="oa"]').dblclick()
    expect(page.locator("#inspector")).to_contain_text("temperature: must be number (0 to 2) or null")
    page.locator('#inspector [data-action="inspector-cancel"]').click()


def test_flows_without_their_tab_show_on_the_tab_the_runtime_added(page: Any, server: Any) -> None:
    # Node-RED's examples hold no tab node; the runtime runs them on an added tab, the editor shows it
    server.deploy([
        {"id": "i1", "type": "inject", "z": "lost", "name": "", "props": [], "x": 100, "y": 80, "wires": [["d1"]]},
        {"id": "d1", "type": "debug", "z": "lost", "name": "", "x": 300, "y": 80, "wires": []},
    ])
    page.goto(server.base)
    page.wait_for_selector("body[data-ready='1']", timeout=15000)
    assert [(t["id"], t["label"]) for t in state(page)["tabs"]] == [("lost", "Flow 1")]
    expect(page.locator('[data-tab-id="lost"]')).to_have_attribute("aria-selected", "true")
    expect(page.locator("[data-node-id]")).to_have_count(2)
    expect(page.locator("#deploy")).to_have_attribute("data-state", "clean")
