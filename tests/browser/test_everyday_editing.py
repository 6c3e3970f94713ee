"""Everyday editing (issue 11): selection with ctrl, select connected, the context menu and Node-RED's
shortcuts (group, ungroup, edit group, enable/disable, copy/paste, duplicate, delete, move to
another tab) and tab properties. Each habit is driven with mouse and keyboard and checked in
``GET /flows`` after a deploy."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import expect

from .helpers import add_node, canvas_client, centre, deploy, drag, import_json, state

FLOW = [
    {"id": "na", "type": "inject", "z": "tab1", "name": "", "props": [{"p": "payload"}], "payload": "",
     "payloadType": "date", "repeat": "", "once": False, "topic": "", "x": 160, "y": 100, "wires": [["nb"]]},
    {"id": "nb", "type": "function", "z": "tab1", "name": "double", "func": "return msg", "language": "python",
     "outputs": 1, "x": 380, "y": 100, "wires": [["nc"]]},
    {"id": "nc", "type": "debug", "z": "tab1", "name": "", "active": True, "tosidebar": True,
     "complete": "false", "x": 600, "y": 100, "wires": []},
    {"id": "nd", "type": "comment", "z": "tab1", "name": "alone", "x": 160, "y": 260, "wires": []},
]
LABEL = '[data-node-id="{}"] .node-label'.format


def _selected(page: Any) -> set[str]:
    return set(page.evaluate("[...document.querySelectorAll('[data-node-id].selected')].map(e => e.dataset.nodeId)"))


def _menu(page: Any, node: str | None, action: str) -> None:
    """Right-click a node (or the empty canvas) and pick a context menu item."""
    if node:
        page.locator(LABEL(node)).click(button="right")
    else:
        box = page.locator("#workspace").bounding_box()
        page.mouse.click(box["x"] + box["width"] - 200, box["y"] + box["height"] - 120, button="right")
    expect(page.locator("#context-menu")).to_be_visible()
    page.locator(f"#context-menu [data-action='{action}']").click()
    expect(page.locator("#context-menu")).to_have_count(0)


def _server_nodes(server: Any) -> dict[str, dict[str, Any]]:
    return {n["id"]: n for n in server.flows()["flows"]}


def test_ctrl_click_ctrl_a_and_select_connected(editor: Any, server: Any, shot: Any) -> None:
    page = editor
    import_json(page, json.dumps(FLOW))
    page.locator(LABEL("na")).click()
    page.locator(LABEL("nc")).click(modifiers=["Control"])
    assert _selected(page) == {"na", "nc"}
    page.locator(LABEL("na")).click(modifiers=["Control"])  # ctrl+click a selected node: out again
    assert _selected(page) == {"nc"}
    page.locator(LABEL("nd")).click(modifiers=["Control"])
    assert _selected(page) == {"nc", "nd"}
    page.keyboard.press("Escape")
    assert _selected(page) == set()
    page.keyboard.press("Control+a")
    assert _selected(page) == {"na", "nb", "nc", "nd"}
    page.locator(LABEL("nb")).click()
    _menu(page, "nb", "select-connected")
    assert _selected(page) == {"na", "nb", "nc"}
    shot(page, "select-connected")
    page.keyboard.press("Delete")
    deploy(page)
    assert set(_server_nodes(server)) == {"tab1", "nd"}


def test_group_edit_ungroup_with_shortcuts_and_menu(editor: Any, server: Any, shot: Any) -> None:
    page = editor
    import_json(page, json.dumps(FLOW))
    page.locator(LABEL("na")).click()
    page.locator(LABEL("nb")).click(modifiers=["Control"])
    page.keyboard.press("Control+Shift+G")
    expect(page.locator("[data-group-id]")).to_have_count(1)
    _menu(page, "na", "edit-group")
    dialog = page.locator("#group-dialog")
    dialog.locator("[name='name']").fill("Inputs")
    dialog.locator("[name='fill-none']").uncheck()
    dialog.locator("[name='fill']").fill("#ffefbf")
    dialog.locator("[name='stroke']").fill("#ff0000")
    dialog.locator("[data-action='group-done']").click()
    expect(page.locator(".group-label")).to_have_text("Inputs")
    shot(page, "group-edited")
    deploy(page)
    flows = _server_nodes(server)
    group = next(n for n in flows.values() if n["type"] == "group")
    assert group["name"] == "Inputs" and set(group["nodes"]) == {"na", "nb"}
    style = group["style"]
    assert style["fill"] == "#ffefbf" and style["stroke"] == "#ff0000" and style["label"] is True
    assert flows["na"]["g"] == group["id"] and flows["nb"]["g"] == group["id"] and "g" not in flows["nc"]
    assert group["x"] < 160 - 50 and group["x"] + group["w"] > 380 + 50, group  # the box holds its members
    # Moving a member keeps it inside the box.
    page.locator(LABEL("nb")).click()
    page.keyboard.press("Shift+ArrowDown")
    g = next(o for o in page.evaluate("window.__editor.app.model.all()") if o["type"] == "group")
    assert g["y"] + g["h"] > 100 + 100 + 15
    # Double-click on the box (not on a node) edits the group too.
    box = page.locator("[data-group-id] rect.group").bounding_box()
    page.mouse.dblclick(box["x"] + 10, box["y"] + box["height"] - 8)
    expect(page.locator("#group-dialog [name='name']")).to_have_value("Inputs")
    page.locator("#group-dialog [data-action='group-cancel']").click()
    # Ungroup with the shortcut.
    page.locator(LABEL("na")).click()
    page.keyboard.press("Control+Shift+U")
    expect(page.locator("[data-group-id]")).to_have_count(0)
    deploy(page)
    flows = _server_nodes(server)
    assert not [n for n in flows.values() if n["type"] == "group"]
    assert "g" not in flows["na"] and "g" not in flows["nb"]


def test_disable_copy_paste_duplicate_delete_from_the_menu(editor: Any, server: Any) -> None:
    page = editor
    import_json(page, json.dumps(FLOW))
    page.locator(LABEL("nb")).click()
    _menu(page, "nb", "toggle-disabled")
    expect(page.locator('[data-node-id="nb"]')).to_have_class(re.compile("node-disabled"))
    deploy(page)
    assert _server_nodes(server)["nb"]["d"] is True
    page.keyboard.press("Control+Shift+E")  # the shortcut enables it again
    deploy(page)
    assert "d" not in _server_nodes(server)["nb"]
    _menu(page, "nd", "copy")
    _menu(page, None, "paste")
    page.mouse.click(*canvas_client(page, 700, 300))  # the copy follows the pointer until a click
    _menu(page, "nb", "duplicate")
    # The copy follows the pointer until a click puts it down (Node-RED).
    page.mouse.click(*canvas_client(page, 451, 417))
    nodes = state(page)["nodes"]
    assert [n["type"] for n in nodes].count("comment") == 2 and [n["type"] for n in nodes].count("function") == 2
    dup = next(n for n in nodes if n["type"] == "function" and n["id"] != "nb")
    assert abs(dup["x"] - 451) <= 10 and dup["y"] == 420 and dup["name"] == "double"
    _menu(page, "nc", "delete")
    deploy(page)
    flows = _server_nodes(server)
    assert "nc" not in flows and dup["id"] in flows
    assert [n["type"] for n in flows.values()].count("comment") == 2


def test_move_to_another_tab_and_tab_properties(editor: Any, server: Any, shot: Any) -> None:
    page = editor
    import_json(page, json.dumps(FLOW))
    page.locator("[data-action='add-tab']").click()
    tab2 = state(page)["tab"]
    page.locator('[data-tab-id="tab1"]').click()
    page.locator(LABEL("nb")).click()
    page.locator(LABEL("nc")).click(modifiers=["Control"])
    _menu(page, "nc", "move-to-tab")
    page.locator(f"[data-action='move-to-{tab2}']").click()
    expect(page.locator('[data-node-id="nb"]')).to_be_visible()
    assert state(page)["tab"] == tab2
    # Tab properties from the tab's context menu: name, disabled, description, env.
    page.locator(f'[data-tab-id="{tab2}"]').click(button="right")
    page.locator("#context-menu [data-action='tab-properties']").click()
    dialog = page.locator("#tab-dialog")
    dialog.locator("[name='label']").fill("Moved")
    dialog.locator("[name='enabled']").uncheck()
    dialog.locator("[name='info']").fill("nodes moved here")
    dialog.locator("[data-action='env-add']").click()
    dialog.locator("[name='env-name']").fill("LIMIT")
    dialog.locator("[name='env-type']").select_option("num")
    dialog.locator("[name='env-value']").fill("5")
    shot(page, "tab-properties")
    dialog.locator("[data-action='tab-done']").click()
    deploy(page)
    flows = _server_nodes(server)
    assert flows["nb"]["z"] == tab2 and flows["nc"]["z"] == tab2 and flows["na"]["z"] == "tab1"
    assert flows["na"]["wires"] == [[]] and flows["nb"]["wires"] == [["nc"]]  # the wire left behind is cut
    tab = flows[tab2]
    assert tab["label"] == "Moved" and tab["disabled"] is True and tab["info"] == "nodes moved here"
    assert tab["env"] == [{"name": "LIMIT", "type": "num", "value": "5"}]
    # Enable it again from the menu.
    page.locator(f'[data-tab-id="{tab2}"]').click(button="right")
    page.locator("#context-menu [data-action='toggle-tab-disabled']").click()
    deploy(page)
    assert _server_nodes(server)[tab2]["disabled"] is False


CHAIN = [
    {"id": "sa", "type": "inject", "z": "tab1", "name": "go", "props": [{"p": "payload", "v": "7", "vt": "num"}],
     "payload": "7", "payloadType": "num", "repeat": "", "once": False, "topic": "", "x": 140, "y": 100,
     "wires": [["sb"]]},
    {"id": "sb", "type": "function", "z": "tab1", "name": "double", "language": "python",
     "func": "msg['payload'] = msg['payload'] * 2\nreturn msg", "outputs": 1, "x": 340, "y": 100, "wires": [["sc"]]},
    {"id": "sc", "type": "change", "z": "tab1", "name": "mark", "rules": [
        {"t": "set", "p": "topic", "pt": "msg", "to": "done", "tot": "str"}], "x": 540, "y": 100, "wires": [["sd"]]},
    {"id": "sd", "type": "debug", "z": "tab1", "name": "out", "active": True, "tosidebar": True,
     "complete": "false", "x": 740, "y": 100, "wires": []},
]


def test_selection_to_subflow_edit_and_delete(editor: Any, server: Any, shot: Any) -> None:
    page = editor
    import_json(page, json.dumps(CHAIN))
    page.locator(LABEL("sb")).click()
    page.locator(LABEL("sc")).click(modifiers=["Control"])
    _menu(page, "sc", "to-subflow")
    inst = next(n for n in state(page)["nodes"] if n["type"].startswith("subflow:") and n["z"] == "tab1")
    sf_id = inst["type"][8:]
    expect(page.locator(f'[data-tab-id="{sf_id}"] .glyph')).to_have_count(1)  # the tab's mark is drawn
    deploy(page)
    flows = _server_nodes(server)
    sf = flows[sf_id]
    assert sf["type"] == "subflow" and sf["name"] == "Subflow 1"
    assert [w["id"] for w in sf["in"][0]["wires"]] == ["sb"]
    assert [[(w["id"], w["port"]) for w in p["wires"]] for p in sf["out"]] == [[("sc", 0)]]
    assert flows["sb"]["z"] == sf_id and flows["sc"]["z"] == sf_id and flows["sb"]["wires"] == [["sc"]]
    assert flows["sa"]["wires"] == [[inst["id"]]] and flows[inst["id"]]["wires"] == [["sd"]]
    # The instance runs what the selection did.
    page.locator('[data-node-id="sa"] [data-action="inject"]').click()
    expect(page.locator(".debug-message")).to_have_count(1)
    expect(page.locator(".debug-message").first).to_contain_text("14")

    # Edit it from its tab's menu: name, category, colour, icon, env, a second output, status port.
    page.locator(f'[data-tab-id="{sf_id}"]').click(button="right")
    page.locator("#context-menu [data-action='edit-subflow']").click()
    dialog = page.locator("#subflow-dialog")
    dialog.locator("[name='name']").fill("Doubler")
    dialog.locator("[name='category']").fill("my nodes")
    dialog.locator("[name='color']").fill("#a6bbcf")
    dialog.locator("[name='icon']").select_option("function")
    dialog.locator("[data-action='env-add']").click()
    dialog.locator("[name='env-name']").fill("FACTOR")
    dialog.locator("[name='env-type']").select_option("num")
    dialog.locator("[name='env-value']").fill("2")
    dialog.locator("[name='outputs']").fill("2")
    dialog.locator("[data-port-out='1'] input[value='sb:0']").check()
    dialog.locator("[name='out-label-1']").fill("doubled only")
    dialog.locator("[name='status']").check()
    dialog.locator("[data-port-status] input[value='sc:0']").check()
    shot(page, "subflow-edit")
    dialog.locator("[data-action='subflow-done']").click()
    expect(page.locator(f'[data-palette-type="subflow:{sf_id}"]')).to_contain_text("Doubler")
    expect(page.locator(".palette-group[data-category='my nodes']")).to_have_count(1)
    deploy(page)
    sf = _server_nodes(server)[sf_id]
    assert sf["name"] == "Doubler" and sf["category"] == "my nodes" and sf["color"] == "#a6bbcf"
    assert sf["icon"] == "function.svg" and sf["env"] == [{"name": "FACTOR", "type": "num", "value": "2"}]
    assert [[(w["id"], w["port"]) for w in p["wires"]] for p in sf["out"]] == [[("sc", 0)], [("sb", 0)]]
    assert [(w["id"], w["port"]) for w in sf["status"]["wires"]] == [("sc", 0)]
    assert sf["outputLabels"] == ["", "doubled only"] and "inputLabels" not in sf
    expect(page.locator(f'[data-node-id="{inst["id"]}"] [data-port="out:1"]')).to_have_attribute(
        "data-port-label", "doubled only")  # the instance shows its subflow's port labels
    assert _server_nodes(server)[inst["id"]]["wires"] == [["sd"], []]

    # Delete it: the dialog names the instance, which goes with it (the tab's close button asks the same).
    page.locator(f'[data-tab-id="{sf_id}"] [data-action="delete-tab"]').click()
    expect(page.locator(".ask-dialog")).to_contain_text("1 instance")
    page.locator(".ask-dialog [data-action='cancel']").click()
    expect(page.locator(f'[data-tab-id="{sf_id}"]')).to_have_count(1)
    page.locator(f'[data-tab-id="{sf_id}"]').click(button="right")
    page.locator("#context-menu [data-action='delete-subflow']").click()
    expect(page.locator(".ask-dialog")).to_contain_text("1 instance")
    expect(page.locator(".ask-dialog")).to_contain_text("Flow 1")
    page.locator("[data-action='confirm-delete']").click()
    expect(page.locator(f'[data-tab-id="{sf_id}"]')).to_have_count(0)
    expect(page.locator(f'[data-palette-type="subflow:{sf_id}"]')).to_have_count(0)
    deploy(page)
    flows = _server_nodes(server)
    assert sf_id not in flows and inst["id"] not in flows and "sb" not in flows
    assert flows["sa"]["wires"] == [[]]


def test_create_an_empty_subflow_and_refuse_two_inputs(editor: Any, server: Any) -> None:
    page = editor
    page.locator("[data-action='new-subflow']").click()
    dialog = page.locator("#subflow-dialog")
    dialog.locator("[name='name']").fill("Empty one")
    dialog.locator("[name='inputs']").select_option("1")
    dialog.locator("[name='outputs']").fill("1")
    dialog.locator("[data-action='subflow-done']").click()
    sf_id = state(page)["tab"]
    expect(page.locator(f'[data-tab-id="{sf_id}"]')).to_contain_text("Empty one")
    expect(page.locator(".subflow-port")).to_have_count(2)
    deploy(page)
    sf = _server_nodes(server)[sf_id]
    assert sf["type"] == "subflow" and len(sf["in"]) == 1 and len(sf["out"]) == 1
    # Two nodes fed from outside the selection cannot become one subflow (it has one input).
    page.locator('[data-tab-id="tab1"]').click()
    import_json(page, json.dumps([
        {**CHAIN[0], "wires": [["sb", "sc"]]}, {**CHAIN[1], "wires": [[]]}, {**CHAIN[2], "wires": [[]]}]))
    page.locator(LABEL("sb")).click()
    page.locator(LABEL("sc")).click(modifiers=["Control"])
    _menu(page, "sc", "to-subflow")
    expect(page.locator(".notice-error")).to_contain_text("multiple inputs to selection")
    assert not [n for n in state(page)["nodes"] if n["type"].startswith("subflow:") and n["z"] == "tab1"]


def test_ctrl_f_searches_every_tab_and_subflow(editor: Any, server: Any, shot: Any) -> None:
    page = editor
    server.deploy([
        {"id": "tab1", "type": "tab", "label": "Flow 1", "disabled": False, "info": "", "env": []},
        {"id": "tab2", "type": "tab", "label": "Second", "disabled": False, "info": "", "env": []},
        {"id": "sf9", "type": "subflow", "name": "Helpers", "info": "", "in": [], "out": [], "env": []},
        {"id": "f1", "type": "function", "z": "tab1", "name": "parse order", "func": "return msg", "language": "python",
         "outputs": 1, "x": 200, "y": 100, "wires": [[]]},
        {"id": "c2", "type": "change", "z": "tab2", "name": "", "rules": [
            {"t": "set", "p": "payload", "pt": "msg", "to": "banana-split", "tot": "str"}],
         "x": 300, "y": 220, "wires": [[]]},
        {"id": "d3", "type": "debug", "z": "sf9", "name": "inner debug", "active": True, "tosidebar": True,
         "complete": "false", "x": 260, "y": 160, "wires": []},
    ])
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    page.locator('[data-tab-id="tab1"]').click()
    page.keyboard.press("Control+f")
    search = page.locator("#search")
    expect(search).to_be_focused()
    search.fill("banana")  # a property value, on another tab
    expect(page.locator("[data-search-result]")).to_have_count(1)
    expect(page.locator('[data-search-result="c2"]')).to_contain_text("Second")
    shot(page, "flow-search")
    page.keyboard.press("Enter")
    expect(page.locator("#search")).to_have_count(0)
    assert state(page)["tab"] == "tab2" and state(page)["selection"] == ["c2"]
    expect(page.locator('[data-node-id="c2"]')).to_have_class(re.compile("selected"))
    # By name inside a subflow, by click.
    page.keyboard.press("Control+f")
    page.locator("#search").fill("inner")
    page.locator('[data-search-result="d3"]').click()
    assert state(page)["tab"] == "sf9" and state(page)["selection"] == ["d3"]
    # By type and by id; arrows pick among several.
    page.keyboard.press("Control+f")
    page.locator("#search").fill("function")
    expect(page.locator('[data-search-result="f1"]')).to_have_count(1)
    page.locator("#search").fill("c2")
    expect(page.locator("[data-search-result]").first).to_have_attribute("data-search-result", "c2")
    page.keyboard.press("Escape")
    expect(page.locator("#search")).to_have_count(0)
    # Flows and subflows are found by name too.
    page.keyboard.press("Control+f")
    page.locator("#search").fill("helpers")
    page.keyboard.press("Enter")
    assert state(page)["tab"] == "sf9"


def test_context_menu_by_keyboard_and_on_a_wire(editor: Any, server: Any, shot: Any) -> None:
    page = editor
    import_json(page, json.dumps(FLOW))
    page.locator(LABEL("nb")).click()  # selects it and gives it keyboard focus
    page.keyboard.press("Shift+F10")
    menu = page.locator("#context-menu")
    expect(menu).to_be_visible()
    expect(menu.locator("[data-action='edit']")).to_be_focused()
    for action in ("group", "ungroup", "to-subflow", "toggle-disabled", "delete", "copy", "paste"):
        expect(menu.locator(f"[data-action='{action}']")).to_have_count(1)
    shot(page, "context-menu")
    page.keyboard.press("ArrowDown")
    expect(menu.locator("[data-action='select-connected']")).to_be_focused()
    page.keyboard.press("Enter")
    assert _selected(page) == {"na", "nb", "nc"}
    page.keyboard.press("Escape")
    # Escape closes the menu and gives focus back.
    page.locator('[data-node-id="nd"]').focus()
    page.keyboard.press("Shift+F10")
    page.keyboard.press("Escape")
    expect(menu).to_have_count(0)
    assert page.evaluate("document.activeElement.dataset.nodeId") == "nd"
    # Right-click on a wire: Delete removes it.
    wire_el = page.locator('[data-wire="nb:0->nc"] .wire-hit')
    box = wire_el.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, button="right")
    expect(menu.locator("[data-action='delete']")).to_be_enabled()
    expect(menu.locator("[data-action='group']")).to_be_disabled()
    menu.locator("[data-action='delete']").click()
    expect(page.locator('[data-wire="nb:0->nc"]')).to_have_count(0)
    # The tab's menu by keyboard.
    page.locator('[data-tab-id="tab1"]').focus()
    page.keyboard.press("Shift+F10")
    expect(menu.locator("[data-action='tab-properties']")).to_be_focused()
    page.keyboard.press("Escape")
    deploy(page)
    assert _server_nodes(server)["nb"]["wires"] == [[]]


def test_wire_and_move_subflow_ports_on_the_canvas(editor: Any, server: Any) -> None:
    page = editor
    page.locator("[data-action='new-subflow']").click()
    dialog = page.locator("#subflow-dialog")
    dialog.locator("[name='inputs']").select_option("1")
    dialog.locator("[name='outputs']").fill("1")
    dialog.locator("[data-action='subflow-done']").click()
    sf_id = state(page)["tab"]
    node = add_node(page, "function", 330, 200)
    in_knob = '[data-subflow-port="in:0"] [data-subflow-knob]'
    drag(page, centre(page, in_knob), centre(page, f'[data-node-id="{node}"] [data-port="in"]'))
    expect(page.locator(f'[data-subflow-wire="in:0->{node}"]')).to_have_count(1)
    out_port = f'[data-node-id="{node}"] [data-port="out:0"]'
    drag(page, centre(page, out_port), centre(page, '[data-subflow-port="out:0"] rect'))
    expect(page.locator(f'[data-subflow-wire="{node}:0->out:0"]')).to_have_count(1)
    before = page.evaluate(f"window.__editor.app.model.get('{sf_id}').out[0]")
    x, y = centre(page, '[data-subflow-port="out:0"] text')
    drag(page, (x, y), (x + 60, y + 80))
    after = page.evaluate(f"window.__editor.app.model.get('{sf_id}').out[0]")
    assert after["x"] > before["x"] + 40 and after["y"] > before["y"] + 60, (before, after)
    deploy(page)
    sf = _server_nodes(server)[sf_id]
    assert sf["in"][0]["wires"] == [{"id": node}]
    assert sf["out"][0]["wires"] == [{"id": node, "port": 0}]
    assert (sf["out"][0]["x"], sf["out"][0]["y"]) == (after["x"], after["y"])
    # Deleting the node drops the port wires to it.
    page.locator(f'[data-node-id="{node}"] .node-label').click()
    page.keyboard.press("Delete")
    expect(page.locator("[data-subflow-wire]")).to_have_count(0)
    deploy(page)
    sf = _server_nodes(server)[sf_id]
    assert sf["in"][0]["wires"] == [] and sf["out"][0]["wires"] == []


def test_copies_of_a_subflow_instance_share_its_definition_and_paste_lands_at_the_pointer(editor: Any,
                                                                                          server: Any) -> None:
    page = editor
    import_json(page, json.dumps(CHAIN))
    page.locator(LABEL("sb")).click()
    page.locator(LABEL("sc")).click(modifiers=["Control"])
    _menu(page, "sc", "to-subflow")
    [inst] = [n for n in state(page)["nodes"] if n["type"].startswith("subflow:")]
    page.locator(f'[data-node-id="{inst["id"]}"] .node-label').click()
    page.keyboard.press("Control+c")
    box = page.locator("#workspace").bounding_box()
    px, py = box["x"] + box["width"] - 200, box["y"] + box["height"] - 120
    page.mouse.click(px, py, button="right")
    page.locator("#context-menu [data-action='paste']").click()
    page.mouse.click(px, py)  # the copy follows the pointer until a click puts it down
    page.keyboard.press("Control+v")
    page.mouse.click(px - 150, py)
    _menu(page, inst["id"], "duplicate")
    page.mouse.click(*canvas_client(page, 300, 420))  # puts the duplicate down
    nodes = state(page)["nodes"]
    copies = [n for n in nodes if n["type"] == inst["type"]]
    assert len(copies) == 4, copies
    pasted = next(n for n in copies if n["id"] in state(page)["selection"] or n["x"] > inst["x"] + 100)
    at = page.evaluate(f"window.__editor.app.canvas.toCanvas({px}, {py})")
    # at the pointer, snapped to the grid by the pointer's move to the click that put it down
    assert any(abs(n["x"] - at["x"]) <= 10 and abs(n["y"] - at["y"]) <= 10 for n in copies), (copies, at, pasted)
    deploy(page)
    flows = server.flows()["flows"]
    assert len([o for o in flows if o["type"] == "subflow"]) == 1
    assert len([o for o in flows if o.get("z") == inst["type"][8:]]) == 2  # the inner nodes, once


NESTED = [
    {"id": "outer", "type": "subflow", "name": "Outer", "info": "", "category": "", "env": [], "color": "#DDAA99",
     "in": [{"x": 60, "y": 100, "wires": [{"id": "ia"}]}],
     "out": [{"x": 620, "y": 100, "wires": [{"id": "ib", "port": 0}]}]},
    {"id": "ia", "type": "function", "z": "outer", "name": "plus one", "language": "python",
     "func": "msg['payload'] = msg['payload'] + 1\nreturn msg", "outputs": 1, "x": 220, "y": 100, "wires": [["ib"]]},
    {"id": "ib", "type": "function", "z": "outer", "name": "times ten", "language": "python",
     "func": "msg['payload'] = msg['payload'] * 10\nreturn msg", "outputs": 1, "x": 420, "y": 100, "wires": [[]]},
    {"id": "go", "type": "inject", "z": "tab1", "name": "go", "props": [{"p": "payload", "v": "4", "vt": "num"}],
     "payload": "4", "payloadType": "num", "repeat": "", "once": False, "topic": "", "x": 140, "y": 100,
     "wires": [["use"]]},
    {"id": "use", "type": "subflow:outer", "z": "tab1", "name": "", "env": [], "x": 340, "y": 100, "wires": [["out"]]},
    {"id": "out", "type": "debug", "z": "tab1", "name": "result", "active": True, "tosidebar": True,
     "complete": "false", "x": 540, "y": 100, "wires": []},
]


def test_selection_to_subflow_inside_a_subflow_keeps_its_ports_wired(editor: Any, server: Any) -> None:
    page = editor
    server.deploy([{"id": "tab1", "type": "tab", "label": "Flow 1", "disabled": False, "info": "", "env": []},
                   *NESTED])
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    page.locator('[data-tab-id="outer"]').click()
    page.locator(LABEL("ia")).click()
    page.locator(LABEL("ib")).click(modifiers=["Control"])
    _menu(page, "ib", "to-subflow")
    [inner] = [n for n in state(page)["nodes"] if n["z"] == "outer"]
    assert inner["type"].startswith("subflow:")
    expect(page.locator(f'[data-subflow-wire="in:0->{inner["id"]}"]')).to_have_count(1)
    expect(page.locator(f'[data-subflow-wire="{inner["id"]}:0->out:0"]')).to_have_count(1)
    deploy(page)
    flows = _server_nodes(server)
    assert flows["outer"]["in"][0]["wires"] == [{"id": inner["id"]}]
    assert flows["outer"]["out"][0]["wires"] == [{"id": inner["id"], "port": 0}]
    new_sf = flows[inner["type"][8:]]
    assert new_sf["in"][0]["wires"] == [{"id": "ia"}] and new_sf["out"][0]["wires"] == [{"id": "ib", "port": 0}]
    # The nested subflows still compute (4 + 1) * 10.
    page.locator('[data-tab-id="tab1"]').click()
    page.locator('[data-node-id="go"] [data-action="inject"]').click()
    expect(page.locator(".debug-message")).to_have_count(1)
    expect(page.locator(".debug-message .debug-value")).to_have_text("50")


def test_selection_to_subflow_undoes_and_redoes(editor: Any, server: Any) -> None:
    page = editor
    import_json(page, json.dumps(CHAIN))
    page.locator(LABEL("sb")).click()
    page.locator(LABEL("sc")).click(modifiers=["Control"])
    _menu(page, "sc", "to-subflow")
    [inst] = [n for n in state(page)["nodes"] if n["type"].startswith("subflow:")]
    sf_id = inst["type"][8:]
    expect(page.locator(f'[data-palette-type="subflow:{sf_id}"]')).to_have_count(1)
    page.keyboard.press("Control+z")
    expect(page.locator(f'[data-tab-id="{sf_id}"]')).to_have_count(0)
    expect(page.locator(f'[data-palette-type="subflow:{sf_id}"]')).to_have_count(0)
    assert {n["id"]: n["z"] for n in state(page)["nodes"]} == {"sa": "tab1", "sb": "tab1", "sc": "tab1", "sd": "tab1"}
    assert set(state(page)["wires"]) == {"sa:0->sb", "sb:0->sc", "sc:0->sd"}
    page.keyboard.press("Control+y")
    expect(page.locator(f'[data-tab-id="{sf_id}"]')).to_have_count(1)
    deploy(page)
    assert _server_nodes(server)["sb"]["z"] == sf_id
