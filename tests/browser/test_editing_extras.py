"""Issue 11, everyday editing continued: Node-RED's node and port labels, quick-add ranking, the
examples library, importing into a new tab, the unknown-types deploy dialog, Restart flows, debug
pause / copy, the navigator and fit. Results are checked in ``GET /flows`` after a deploy."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from .helpers import deploy, import_json, state, workspace_point

LABELLED = [
    {"id": "i1", "type": "inject", "z": "tab1", "name": "", "props": [{"p": "payload"}, {"p": "topic", "vt": "str"}],
     "payload": "", "payloadType": "date", "topic": "", "repeat": "5", "once": False, "x": 150, "y": 80, "wires": [[]]},
    {"id": "i2", "type": "inject", "z": "tab1", "name": "", "props": [{"p": "payload"}, {"p": "topic", "vt": "str"}],
     "payload": "hello", "payloadType": "str", "topic": "greet", "repeat": "", "once": False, "x": 150, "y": 140,
     "wires": [[]]},
    {"id": "i3", "type": "inject", "z": "tab1", "name": "", "props": [{"p": "payload"}], "payload": "",
     "payloadType": "date", "topic": "", "repeat": "", "once": False, "x": 150, "y": 200, "wires": [[]]},
    {"id": "d1", "type": "debug", "z": "tab1", "name": "", "active": True, "tosidebar": True, "complete": "status.code",
     "targetType": "msg", "x": 400, "y": 80, "wires": []},
    {"id": "d2", "type": "debug", "z": "tab1", "name": "", "active": True, "tosidebar": True, "complete": "true",
     "targetType": "full", "x": 400, "y": 140, "wires": []},
    {"id": "f1", "type": "function", "z": "tab1", "name": "", "func": "return msg", "language": "python", "outputs": 1,
     "x": 400, "y": 200, "wires": [[]]},
    {"id": "s1", "type": "switch", "z": "tab1", "name": "", "property": "payload", "propertyType": "msg",
     "rules": [{"t": "gt", "v": "10", "vt": "num"}, {"t": "else"}], "checkall": "true", "repair": False,
     "outputs": 2, "x": 400, "y": 280, "wires": [[], []]},
    {"id": "c1", "type": "change", "z": "tab1", "name": "", "rules": [
        {"t": "set", "p": "topic", "pt": "msg", "to": "x", "tot": "str"}], "x": 620, "y": 80, "wires": [[]]},
]


def _label(page: Any, node: str) -> str:
    return str(page.locator(f'[data-node-id="{node}"] .node-label').text_content())


def test_node_and_port_labels_as_node_red_draws_them(editor: Any) -> None:
    page = editor
    import_json(page, json.dumps(LABELLED))
    assert _label(page, "i1") == "timestamp\t↻"  # a repeating inject carries the repeat marker
    assert _label(page, "i2") == "greet:hello"
    assert _label(page, "i3") == "timestamp"
    assert _label(page, "d1") == "msg.status.code"
    assert _label(page, "d2") == "msg"
    assert _label(page, "f1") == "function"
    assert _label(page, "c1") == "set msg.topic"
    ports = page.locator('[data-node-id="s1"] [data-port^="out:"]')
    expect(ports.nth(0)).to_have_attribute("data-port-label", "> 10")
    expect(ports.nth(1)).to_have_attribute("data-port-label", "otherwise")
    expect(page.locator('[data-node-id="s1"] [data-port="out:0"] title')).to_have_text("> 10")
    expect(page.locator('[data-node-id="i2"] [data-port="out:0"]')).to_have_attribute(
        "data-port-label", "payload: string\ntopic: string")


def _quick_add(page: Any, text: str, row: int = 0) -> list[str]:
    page.mouse.dblclick(*workspace_point(page, 400, 100 + 60 * row))  # each on its own row: a node lands there
    box = page.locator("[data-quickadd] input")
    expect(box).to_be_focused()
    box.fill(text)
    return list(page.locator("[data-quickadd-type]").evaluate_all("els => els.map(e => e.dataset.quickaddType)"))


def test_quick_add_ranks_exact_core_types_first_and_remembers_recent(editor: Any, server: Any) -> None:
    page = editor
    page.evaluate("localStorage.removeItem('flowengine.recentTypes')")
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    empty = _quick_add(page, "")
    assert empty[:3] == ["inject", "debug", "function"], empty
    assert not [t for t in empty if t.startswith("openai")], empty
    page.keyboard.press("Escape")
    found = _quick_add(page, "function")
    assert found[0] == "function", found
    page.keyboard.press("Enter")
    nodes = state(page)["nodes"]
    assert [n["type"] for n in nodes] == ["function"]
    assert _quick_add(page, "sw", 1)[0] == "switch"
    page.keyboard.press("Enter")
    assert _quick_add(page, "", 2)[:2] == ["switch", "function"]  # recently used first
    page.keyboard.press("Escape")
    # ctrl+click on the empty canvas opens it too
    page.keyboard.down("Control")
    page.mouse.click(*workspace_point(page, 300, 500))
    page.keyboard.up("Control")
    box = page.locator("[data-quickadd] input")
    expect(box).to_be_focused()
    box.fill("debug")
    expect(page.locator("[data-quickadd-type]").first).to_have_attribute("data-quickadd-type", "debug")
    page.keyboard.press("Enter")
    expect(page.locator('[data-node-type="debug"]')).to_have_count(1)  # on the canvas before the deploy
    deploy(page)
    types = sorted(n["type"] for n in server.flows()["flows"] if n.get("z") == "tab1")
    assert types == ["debug", "function", "switch"]


def test_quick_add_opened_right_after_a_close_stays_open(editor: Any) -> None:
    # closing removes the focused input, the browser fires its blur, and the close that blur defers
    # must not take the box opened in between (input events run before timers under load)
    page = editor
    _quick_add(page, "")
    still_open = page.evaluate("""async () => {
        const qa = window.__editor.app.quickAdd;
        qa.close();
        qa.open(300, 300);
        await new Promise((r) => setTimeout(r, 50));
        return document.querySelectorAll("[data-quickadd]").length === 1 && qa.box !== null;
    }""")
    assert still_open


def test_examples_library_imports_into_a_new_tab_and_switches_to_it(editor: Any, server: Any, shot: Any) -> None:
    page = editor
    page.locator("[data-action='import']").first.click()
    page.locator("[data-action='import-examples']").click()
    example = page.locator('[data-example="flowengine/hello"]')
    expect(example).to_be_visible()
    shot(page, "examples-library")
    example.click()
    expect(page.locator("#examples-dialog")).to_have_count(0)
    assert '"type"' in page.locator("#import-json").input_value()
    assert page.locator("[name='import-target']").input_value() == "new"
    page.locator("[data-action='import-confirm']").click()
    expect(page.locator("#import-dialog")).to_have_count(0)
    st = state(page)
    assert st["tab"] != "tab1", "the import into a new tab did not switch to it"
    assert [n for n in st["nodes"] if n["z"] == st["tab"]], "the new tab shows no nodes"
    deploy(page)
    on_tab = [n for n in server.flows()["flows"] if n.get("z") == st["tab"]]
    assert on_tab and st["tab"] in {n["id"] for n in server.flows()["flows"]}


def test_pasted_json_into_a_new_tab_switches_to_it(editor: Any) -> None:
    page = editor
    page.locator("[data-action='import']").first.click()
    page.locator("#import-json").fill(json.dumps([LABELLED[5]]))
    page.locator("[name='import-target']").select_option("new")
    page.locator("[data-action='import-confirm']").click()
    st = state(page)
    assert st["tab"] != "tab1" and [n["z"] for n in st["nodes"] if n["id"] == "f1"] == [st["tab"]]


def test_deploy_with_unknown_types_names_them_first(editor: Any, server: Any) -> None:
    page = editor
    import_json(page, json.dumps([
        {"id": "u1", "type": "mystery-node", "z": "tab1", "x": 200, "y": 100, "wires": []},
        {"id": "u2", "type": "other-unknown", "z": "tab1", "x": 200, "y": 180, "wires": []},
        LABELLED[5],
    ]))
    page.locator("#deploy").click()
    dialog = page.locator(".ask-dialog")
    expect(dialog).to_contain_text("mystery-node, other-unknown")
    page.locator("[data-action='deploy-unknown-cancel']").click()
    expect(page.locator("#deploy")).to_have_attribute("data-state", "dirty")
    assert "u1" not in {n["id"] for n in server.flows()["flows"]}  # nothing was sent
    # Deployed anyway: the flows stop, and pressing an inject says why instead of "deploy it first".
    import_json(page, json.dumps([LABELLED[2]]))
    page.locator("#deploy").click()
    page.locator("[data-action='deploy-unknown-confirm']").click()
    expect(page.locator("#deploy")).to_have_attribute("data-state", "clean")
    expect(page.locator("#notices")).to_contain_text("Flows not running (missing-types")
    page.locator('[data-node-id="i3"] [data-action="inject"]').click()
    expect(page.locator(".notice-error")).to_contain_text("the flows are not running (missing-types: mystery-node")
    page.locator('[data-node-id="u1"]').click()
    page.locator('[data-node-id="u2"]').click(modifiers=["Control"])
    page.keyboard.press("Delete")
    deploy(page)  # no unknown types left: no dialog
    assert "f1" in {n["id"] for n in server.flows()["flows"]}
    page.locator('[data-node-id="i3"] [data-action="inject"]').click()
    expect(page.locator("#announcer")).to_contain_text("Injected")  # running again


def test_restart_flows_reloads_without_deploying(editor: Any, server: Any) -> None:
    page = editor
    import_json(page, json.dumps([LABELLED[5]]))
    deploy(page)
    rev = server.flows()["rev"]
    page.locator('[data-node-id="f1"]').click()
    page.keyboard.press("Delete")  # an undeployed change: the restart does not send it
    with page.expect_request(lambda r: r.url.endswith("/flows") and r.method == "POST") as req:
        page.locator("[data-action='restart-flows']").click()
    assert req.value.headers.get("node-red-deployment-type") == "reload"
    expect(page.locator(".notice-success", has_text="Flows restarted")).to_have_count(1)
    flows = server.flows()
    assert flows["rev"] == rev and "f1" in {n["id"] for n in flows["flows"]}
    expect(page.locator("#deploy")).to_have_attribute("data-state", "dirty")
    # The deploy menu's "Restart flows" entry does the same and leaves the deploy type as it was.
    kind = page.locator("#deploy-type").input_value()
    with page.expect_request(lambda r: r.url.endswith("/flows") and r.method == "POST") as req:
        page.locator("#deploy-type").select_option("reload")
    assert req.value.headers.get("node-red-deployment-type") == "reload"
    assert page.locator("#deploy-type").input_value() == kind


def test_debug_pause_copy_value_and_path(editor: Any, server: Any, shot: Any) -> None:
    page = editor
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    import_json(page, json.dumps([
        {"id": "ij", "type": "inject", "z": "tab1", "name": "", "props": [{"p": "payload"}],
         "payload": '{"order":{"items":[{"sku":"a-1"}]},"n":3}', "payloadType": "json", "repeat": "", "once": False,
         "topic": "", "x": 150, "y": 100, "wires": [["dj"]]},
        {"id": "dj", "type": "debug", "z": "tab1", "name": "", "active": True, "tosidebar": True, "complete": "false",
         "targetType": "msg", "x": 400, "y": 100, "wires": []},
    ]))
    deploy(page)
    inject = page.locator('[data-node-id="ij"] [data-action="inject"]')
    pause = page.locator("[data-action='debug-pause']")
    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "true")
    inject.click()
    expect(pause).to_have_text("resume (1)")
    assert page.locator(".debug-message").count() == 0
    pause.click()
    expect(page.locator(".debug-message")).to_have_count(1)
    message = page.locator(".debug-message").first
    opener = '[data-path="{}"] > summary > .json-summary'.format  # click the text: the copy tools sit beside it
    for path in ("payload.order", "payload.order.items", "payload.order.items[0]"):
        message.locator(opener(path)).click()
    leaf = message.locator('[data-path="payload.order.items[0].sku"]')
    leaf.hover()
    leaf.locator("[data-action='copy-path']").click()
    assert page.evaluate("navigator.clipboard.readText()") == "payload.order.items[0].sku"
    leaf.locator("[data-action='copy-value']").click()
    assert page.evaluate("navigator.clipboard.readText()") == "a-1"
    message.locator("[data-action='debug-copy-value']").click()
    assert json.loads(page.evaluate("navigator.clipboard.readText()")) == {"order": {"items": [{"sku": "a-1"}]}, "n": 3}
    shot(page, "debug-copy")


def test_navigator_moves_the_view_and_fit_keeps_wide_nodes_inside(editor: Any) -> None:
    page = editor
    wide = "a function whose name is long enough to make a very wide node"
    import_json(page, json.dumps([
        {**LABELLED[5], "id": "w1", "name": wide, "x": 200, "y": 100},
        {**LABELLED[5], "id": "w2", "name": wide, "x": 2600, "y": 1500},
    ]))
    page.locator("[data-action='zoom-fit']").click()
    area = page.locator("#workspace").bounding_box()
    for node in ("w1", "w2"):
        box = page.locator(f'[data-node-id="{node}"] .node-body').bounding_box()
        assert box["x"] >= area["x"] and box["x"] + box["width"] <= area["x"] + area["width"], (node, box, area)
        assert box["y"] >= area["y"] and box["y"] + box["height"] <= area["y"] + area["height"], (node, box, area)
    page.locator("[data-action='zoom-reset']").click()
    page.locator("[data-action='navigator']").click()
    nav = page.locator("#navigator")
    expect(nav).to_be_visible()
    expect(page.locator("[data-navigator-node]")).to_have_count(2)
    target = page.locator('[data-navigator-node="w2"]').bounding_box()
    page.mouse.click(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2)
    box = page.locator('[data-node-id="w2"] .node-body').bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    assert abs(cx - (area["x"] + area["width"] / 2)) < 60 and abs(cy - (area["y"] + area["height"] / 2)) < 60
    page.locator("[data-action='navigator']").click()
    expect(nav).to_have_count(0)


def test_after_the_palette_filter_delete_acts_on_the_canvas(editor: Any, server: Any) -> None:
    """Typing in the palette filter then dragging a node in: Delete removes the node (focus left the
    filter); clicking the empty canvas also takes keyboard focus from the filter."""
    page = editor
    page.locator("#palette-filter").fill("inject")
    entry = page.locator('[data-palette-type="inject"]')
    box = entry.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(*workspace_point(page, 300, 200), steps=8)
    page.mouse.up()
    assert [n["type"] for n in state(page)["nodes"]] == ["inject"]
    assert page.evaluate("document.activeElement.id") != "palette-filter"
    page.keyboard.press("Delete")
    assert state(page)["nodes"] == []
    # Focus back in the filter; a click on the empty canvas takes it, then Delete acts there.
    page.locator("#palette-filter").fill("debug")
    page.keyboard.press("Enter")  # adds a debug node, focus stays in the filter
    assert page.evaluate("document.activeElement.id") == "palette-filter"
    page.mouse.click(*workspace_point(page, 600, 500))
    assert page.evaluate("document.activeElement.id") != "palette-filter"
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    assert state(page)["nodes"] == []
    deploy(page)
    assert not [n for n in server.flows()["flows"] if n.get("z") == "tab1"]


def test_updated_on_the_server_notice_goes_after_merge_and_deploy(editor: Any, server: Any) -> None:
    page = editor
    import_json(page, json.dumps([LABELLED[5]]))  # an undeployed change here
    rev = server.flows()["rev"]
    server.deploy([*server.flows()["flows"], {**LABELLED[2], "id": "remote", "z": "tab1"}], rev)
    notice = page.locator("#notices [data-action='merge-flows']")
    expect(notice).to_have_count(1)
    page.locator("#deploy").click()
    page.locator("[data-action='conflict-merge']").click()
    expect(page.locator('[data-node-id="remote"]')).to_have_count(1)
    deploy(page)
    expect(notice).to_have_count(0)
    ids = {n["id"] for n in server.flows()["flows"]}
    assert {"f1", "remote"} <= ids
