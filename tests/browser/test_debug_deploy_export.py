"""Debug sidebar entries (warnings vs errors, topic, node name, time, JSON tree), the three deploy
types observed through the running flows, and exporting a selection."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from playwright.sync_api import expect

from .helpers import deploy, import_json, state

TAB = {"id": "tab1", "type": "tab", "label": "Flow 1", "disabled": False, "info": "", "env": []}
PAYLOAD = {"user": {"name": "ada", "tags": ["x", "y"]}, "count": 3}
DEBUG_FLOW = [
    TAB,
    {"id": "go", "type": "inject", "z": "tab1", "name": "go",
     "props": [{"p": "payload"}, {"p": "topic", "vt": "str"}], "repeat": "", "crontab": "", "once": False,
     "onceDelay": 0.1, "topic": "greeting", "payload": json.dumps(PAYLOAD), "payloadType": "json",
     "x": 120, "y": 100, "wires": [["fn"]]},
    {"id": "fn", "type": "function", "language": "python", "z": "tab1", "name": "checker", "outputs": 1,
     "func": 'node.warn("careful: low count");\nnode.error("broken thing");\nreturn msg;',
     "x": 300, "y": 100, "wires": [["dbg"]]},
    {"id": "dbg", "type": "debug", "z": "tab1", "name": "payload view", "active": True, "tosidebar": True,
     "console": False, "tostatus": False, "complete": "false", "x": 500, "y": 100, "wires": []},
]


def _open(page: Any, server: Any, flows: list[dict[str, Any]]) -> Any:
    server.deploy(flows)
    page.goto(server.base)
    page.wait_for_selector("body[data-ready='1']", timeout=15000)
    return page


def test_debug_sidebar_warning_error_topic_name_time_and_json_tree(page: Any, server: Any, shot: Any) -> None:
    _open(page, server, DEBUG_FLOW)
    before = time.time()
    page.locator('[data-node-id="go"] [data-action="inject"]').click()
    messages = page.locator("#debug .debug-message")
    expect(messages).to_have_count(3)

    # node.warn (log level 30) is a warning entry, node.error (level 20) an error entry: told apart
    # by their label and their look, both naming the function node.
    warn = messages.filter(has_text="careful: low count")
    error = messages.filter(has_text="broken thing")
    expect(warn).to_have_class(re.compile(r"\bdebug-warn\b"))
    expect(error).to_have_class(re.compile(r"\bdebug-error\b"))
    expect(warn).not_to_have_class(re.compile(r"\bdebug-error\b"))
    expect(warn.locator(".debug-level")).to_have_text("warning")
    expect(error.locator(".debug-level")).to_have_text("error")
    expect(warn.locator(".debug-node")).to_have_text("checker")
    expect(error.locator(".debug-node")).to_have_text("checker")
    look = "el => getComputedStyle(el).backgroundColor + ' ' + getComputedStyle(el).borderLeftColor"
    assert warn.evaluate(look) != error.evaluate(look), "a warning looks the same as an error"

    # The debug node's message: its name, a time, the topic and the payload as a JSON tree.
    out = messages.filter(has_text="payload view")
    expect(out).to_have_count(1)
    expect(out).not_to_have_class(re.compile(r"debug-(warn|error)"))
    expect(out.locator(".debug-node")).to_have_text("payload view")
    expect(out.locator(".debug-topic")).to_contain_text("greeting")
    stamp = out.locator("time")
    expect(stamp).to_have_text(re.compile(r"\d{1,2}:\d{2}:\d{2}"))
    when = page.evaluate("s => Date.parse(s) / 1000", stamp.get_attribute("datetime"))
    assert before - 5 <= when <= time.time() + 5

    tree = out.locator(".debug-body > details.json-node")
    expect(tree).to_have_attribute("open", "")  # the top level starts unfolded
    count = out.locator(".json-leaf", has_text="count")
    expect(count).to_be_visible()
    expect(count).to_contain_text("3")
    user = tree.locator("> .json-children > details.json-node", has=page.locator("> summary", has_text="user"))
    expect(user.locator("> summary")).to_contain_text("name")  # a preview of the folded object
    name_leaf = out.locator(".json-leaf", has_text='"ada"')
    expect(name_leaf).to_have_count(0)  # children of a folded object are not shown (nor built)
    user.locator("> summary").click()
    expect(name_leaf).to_be_visible()
    tags = user.locator("details.json-node", has=page.locator("> summary", has_text="array[2]"))
    tags.locator("> summary").click()
    expect(tags.locator(".json-leaf", has_text='"y"')).to_be_visible()
    shot(page, "debug-sidebar-levels-tree")
    user.locator("> summary").click()  # fold it again
    expect(name_leaf).to_be_hidden()
    tree.locator("> summary").click()  # fold the whole payload
    expect(count).to_be_hidden()
    tree.locator("> summary").click()
    expect(count).to_be_visible()


def _once(node_id: str, z: str, payload: str, debug_id: str) -> dict[str, Any]:
    return {"id": node_id, "type": "inject", "z": z, "name": node_id, "props": [{"p": "payload"}],
            "repeat": "", "crontab": "", "once": True, "onceDelay": 0.1, "topic": "", "payload": payload,
            "payloadType": "str", "x": 140, "y": 100, "wires": [[debug_id]]}


def _debug(node_id: str, z: str) -> dict[str, Any]:
    return {"id": node_id, "type": "debug", "z": z, "name": node_id, "active": True, "tosidebar": True,
            "console": False, "tostatus": False, "complete": "false", "x": 380, "y": 100, "wires": []}


DEPLOY_FLOWS = [
    TAB,
    {"id": "tab2", "type": "tab", "label": "Second", "disabled": False, "info": "", "env": []},
    _once("onceA", "tab1", "fired A", "dbgA"), _debug("dbgA", "tab1"),
    _once("onceB", "tab2", "fired B", "dbgB"), _debug("dbgB", "tab2"),
]


def _sources_after(page: Any, expected: int) -> list[str]:
    """Which debug nodes spoke after a deploy (the 'once' injects fire 0.1 s after they start):
    wait for the `expected` messages, then a while longer for any that should not come."""
    page.wait_for_function(
        "n => document.querySelectorAll('#debug .debug-message').length >= n", arg=expected, timeout=15000
    )
    page.wait_for_timeout(1500)
    return sorted(page.evaluate(
        "[...document.querySelectorAll('#debug .debug-message')].map(e => e.dataset.sourceId)"
    ))


def _rename(page: Any, node_id: str, name: str) -> None:
    page.locator(f'[data-node-id="{node_id}"]').dblclick()
    page.locator('#inspector [name="name"]').fill(name)
    page.locator('#inspector [data-action="inspector-done"]').click()
    expect(page.locator("#inspector")).to_have_count(0)
    expect(page.locator("#deploy")).to_have_attribute("data-state", "dirty")


def test_deploy_types_restart_only_what_they_should(page: Any, server: Any, shot: Any) -> None:
    _open(page, server, DEPLOY_FLOWS)
    menu = page.locator("#deploy-type")
    assert [t.strip() for t in menu.locator("option").all_text_contents()] == [
        "Full", "Modified flows", "Modified nodes", "Restart flows",  # the last one is an action (issue 11)
    ]
    expect(menu).to_have_value("nodes")  # the default: a deploy restarts only what changed
    page.wait_for_timeout(500)
    page.locator("[data-action='debug-clear']").click()

    # Modified flows: the edited tab restarts (its "once" inject fires again), the other does not.
    _rename(page, "dbgA", "dbgA edited")
    menu.select_option("flows")
    deploy(page)
    assert _sources_after(page, 1) == ["dbgA"]
    assert next(n for n in server.flows()["flows"] if n["id"] == "dbgA")["name"] == "dbgA edited"
    expect(page.locator("#debug .debug-message")).to_contain_text("fired A")
    shot(page, "deploy-modified-flows")

    # Modified nodes: only the edited debug node restarts, so no inject fires at all.
    page.locator("[data-action='debug-clear']").click()
    _rename(page, "dbgA", "dbgA again")
    menu.select_option("nodes")
    deploy(page)
    assert _sources_after(page, 0) == []
    assert next(n for n in server.flows()["flows"] if n["id"] == "dbgA")["name"] == "dbgA again"

    # Full: everything restarts, both tabs' injects fire.
    _rename(page, "dbgA", "dbgA full")
    menu.select_option("full")
    deploy(page)
    assert _sources_after(page, 2) == ["dbgA", "dbgB"]
    assert state(page)["dirty"] is False
    page.reload()  # the choice is remembered in this browser
    page.wait_for_selector("body[data-ready='1']")
    expect(page.locator("#deploy-type")).to_have_value("full")


EXPORT_FLOW = [
    {"id": "cfg", "type": "openai-config", "name": "mock", "base_url": "http://127.0.0.1:9/v1",
     "credentials": {"api_key": "sk-never-exported"}},
    {"id": "ea", "type": "inject", "z": "tab1", "name": "start", "props": [{"p": "payload"}], "repeat": "",
     "crontab": "", "once": False, "onceDelay": 0.1, "topic": "", "payload": "hi", "payloadType": "str",
     "x": 140, "y": 120, "wires": [["eb"]]},
    {"id": "eb", "type": "openai-create-embedding", "z": "tab1", "name": "embed", "config": "cfg",
     "x": 360, "y": 120, "wires": [["ec"]]},
    {"id": "ec", "type": "debug", "z": "tab1", "name": "not exported", "active": True, "tosidebar": True,
     "complete": "false", "x": 580, "y": 120, "wires": []},
]


def test_export_of_a_selection_holds_those_nodes_and_their_config_without_credentials(
    editor: Any, shot: Any
) -> None:
    page = editor
    import_json(page, json.dumps(EXPORT_FLOW))
    page.locator('[data-node-id="ea"] .node-label').click()
    page.locator('[data-node-id="eb"] .node-label').click(modifiers=["Shift"])
    assert sorted(state(page)["selection"]) == ["ea", "eb"]
    page.locator("[data-action='export']").first.click()
    expect(page.locator("[data-action='export-scope']")).to_have_value("selection")
    text = page.locator("#export-json").input_value()
    exported = json.loads(text)
    shot(page, "export-selection")
    # Like Node-RED's "selected nodes" export: the selected nodes plus the config node they use;
    # not the tab, not the unselected node; wires kept as they are (an import drops dangling ones).
    by_id = {o["id"]: o for o in exported}
    assert sorted(by_id) == ["cfg", "ea", "eb"], sorted(by_id)
    assert by_id["ea"]["wires"] == [["eb"]] and by_id["ea"]["z"] == "tab1"
    assert by_id["eb"]["config"] == "cfg" and by_id["eb"]["wires"] == [["ec"]]
    assert by_id["cfg"]["base_url"] == "http://127.0.0.1:9/v1"
    assert "sk-never-exported" not in text and all("credentials" not in o for o in exported)
    # Compact output holds the same objects.
    page.locator("#export-dialog input[type='checkbox']").uncheck()
    assert json.loads(page.locator("#export-json").input_value()) == exported
    page.locator("[data-action='export-close']").click()
    expect(page.locator("#export-dialog")).to_have_count(0)
