"""The core nodes' own forms, driven with mouse and keyboard and checked in GET /flows after a deploy;
the code editor (highlighting, Tab, brackets, syntax errors from the runtime); a screenshot of each
core form goes to docs/editor/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from .helpers import add_node, deploy

DOCS = Path(__file__).resolve().parents[2] / "docs" / "editor"


def _open(page: Any, node_id: str) -> Any:
    page.evaluate("(id) => window.__editor.app.openInspector(id)", node_id)
    dialog = page.locator("#inspector")
    expect(dialog).to_be_visible()
    return dialog


def _stored(server: Any) -> dict[str, Any]:
    return {n["id"]: n for n in server.flows()["flows"]}


def test_inject_form_props_repeat_and_once(editor: Any, server: Any) -> None:
    page = editor
    node = add_node(page, "inject", 200, 150)
    dialog = _open(page, node)
    dialog.locator('[name="payloadType"]').select_option("str")
    dialog.locator('[name="payload"]').fill("hello")
    dialog.locator('[data-action="add-item"][data-for="props"]').click()
    dialog.locator('[name="props.2.p"]').fill("count")
    dialog.locator('[name="props.2.vt"]').select_option("num")
    dialog.locator('[name="props.2.v"]').fill("3")
    dialog.locator('[name="once"]').check()
    dialog.locator('[name="onceDelay"]').fill("2")
    dialog.locator('[name="repeat-kind"]').select_option("time")
    dialog.locator('[name="repeat-at"]').fill("07:30")
    dialog.locator('[name="repeat-day-0"]').uncheck()
    dialog.locator('[name="repeat-day-6"]').uncheck()
    dialog.locator('[data-action="inspector-done"]').click()
    deploy(page)
    n = _stored(server)[node]
    assert n["payload"] == "hello" and n["payloadType"] == "str"
    assert {"p": "count", "v": "3", "vt": "num"} in n["props"] and {"p": "payload"} in n["props"]
    assert n["once"] is True and n["onceDelay"] == 2
    assert n["crontab"] == "30 07 * * 1,2,3,4,5" and n["repeat"] == ""  # as Node-RED writes it
    dialog = _open(page, node)
    expect(dialog.locator('[name="repeat-kind"]')).to_have_value("time")
    dialog.locator('[name="repeat-kind"]').select_option("interval-time")
    dialog.locator('[name="repeat-every"]').fill("5")
    dialog.locator('[name="repeat-from"]').select_option("8")
    dialog.locator('[name="repeat-to"]').select_option("17")
    dialog.locator('[data-action="inspector-done"]').click()
    deploy(page)
    assert _stored(server)[node]["crontab"] == "*/5 8-16 * * 1,2,3,4,5"  # 08:00 to 17:00
    dialog = _open(page, node)
    dialog.locator('[name="repeat-kind"]').select_option("interval")
    dialog.locator('[name="repeat-interval"]').fill("2")
    dialog.locator('[name="repeat-unit"]').select_option("m")
    dialog.locator('[data-action="inspector-done"]').click()
    deploy(page)
    n = _stored(server)[node]
    assert n["repeat"] == "120" and n["crontab"] == ""


def test_switch_form_operators_ports_and_reorder(editor: Any, server: Any) -> None:
    page = editor
    node = add_node(page, "switch", 200, 150)
    dialog = _open(page, node)
    ops = dialog.locator('[name="rules.0.t"] option').all_text_contents()
    for label in ("==", "!=", "<", "<=", ">", ">=", "is between", "contains", "matches regex", "is true", "is false",
                  "is null", "is not null", "is of type", "has key", "is empty", "JSONata exp", "otherwise", "head"):
        assert label in ops, label
    expect(dialog.locator('[name="checkall"] option:checked')).to_have_text("checking all rules")
    dialog.locator('[name="rules.0.t"]').select_option(label=">")
    dialog.locator('[name="rules.0.vt"]').select_option("num")
    dialog.locator('[name="rules.0.v"]').fill("10")
    dialog.locator('[data-action="add-item"][data-for="rules"]').click()
    dialog.locator('[name="rules.1.t"]').select_option(label="is between")
    expect(dialog.locator('[name="rules.1.v2"]')).to_be_visible()
    dialog.locator('[name="rules.1.v"]').fill("1")
    dialog.locator('[name="rules.1.v2"]').fill("5")
    dialog.locator('[data-action="add-item"][data-for="rules"]').click()
    dialog.locator('[name="rules.2.t"]').select_option(label="otherwise")
    expect(dialog.locator('[name="rules.2.v"]')).to_be_hidden()
    expect(dialog.locator(".kit-port")).to_have_text(["→ 1", "→ 2", "→ 3"])
    # Move "otherwise" up one place: it becomes rule 2 (output 2).
    dialog.locator(".kit-list-item").nth(2).locator('[data-action="move-up"]').click()
    expect(dialog.locator('[name="rules.1.t"] option:checked')).to_have_text("otherwise")
    dialog.locator('[data-action="add-item"][data-for="rules"]').click()
    dialog.locator('[name="rules.3.t"]').select_option(label="is of type")
    expect(dialog.locator('[name="rules.3.v"]')).to_be_hidden()
    dialog.locator('[name="rules.3.type"]').select_option("number")
    dialog.locator('[name="checkall"]').select_option(label="stopping after first match")
    dialog.locator('[data-action="inspector-done"]').click()
    deploy(page)
    n = _stored(server)[node]
    assert [r["t"] for r in n["rules"]] == ["gt", "else", "btwn", "istype"]
    assert n["rules"][3]["v"] == "number" and n["rules"][3]["vt"] == "number"
    assert n["rules"][0]["v"] == "10" and n["rules"][0]["vt"] == "num" and n["rules"][2]["v2"] == "5"
    assert n["outputs"] == 4 and n["checkall"] == "false"


def test_change_form_rules_and_debug_output(editor: Any, server: Any) -> None:
    page = editor
    change = add_node(page, "change", 200, 150)
    debug = add_node(page, "debug", 420, 150)
    dialog = _open(page, change)
    dialog.locator('[data-action="add-item"][data-for="rules"]').click()
    dialog.locator('[name="rules.1.t"]').select_option("move")
    dialog.locator('[name="rules.1.p"]').fill("topic")
    dialog.locator('[name="rules.1.to"]').fill("old_topic")
    expect(dialog.locator('[name="rules.1.from"]')).to_be_hidden()
    dialog.locator('[data-action="add-item"][data-for="rules"]').click()
    dialog.locator('[name="rules.2.t"]').select_option("delete")
    dialog.locator('[name="rules.2.p"]').fill("secret")
    expect(dialog.locator('[name="rules.2.to"]')).to_be_hidden()
    dialog.locator(".kit-list-item").nth(2).locator('[data-action="move-up"]').click()
    dialog.locator('[data-action="inspector-done"]').click()
    dialog = _open(page, debug)
    dialog.locator('[name="targetType"]').select_option("full")
    expect(dialog.locator('[name="complete"]')).to_be_hidden()
    dialog.locator('[name="tostatus"]').check()
    expect(dialog.locator('[name="statusType"]')).to_be_visible()
    dialog.locator('[name="console"]').check()
    dialog.locator('[data-action="inspector-done"]').click()
    deploy(page)
    stored = _stored(server)
    assert [r["t"] for r in stored[change]["rules"]] == ["set", "delete", "move"]
    assert stored[change]["rules"][2]["to"] == "old_topic"
    d = stored[debug]
    assert d["complete"] == "true" and d["targetType"] == "full" and d["tostatus"] is True and d["console"] is True


def test_code_editor_marks_syntax_errors_from_runtime(editor: Any, server: Any) -> None:
    page = editor
    node = add_node(page, "function", 200, 150)
    dialog = _open(page, node)
    expect(dialog.locator('[data-form-tab="On Message"]')).to_have_attribute("aria-selected", "true")
    content = dialog.locator('[data-code-editor="func"]')
    expect(content).to_be_visible()
    expect(dialog.locator('[data-code-for="func"] .cm-lineNumbers')).to_be_visible()
    dialog.locator('[name="language"]').select_option("javascript")
    content.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("if (msg.payload) {\nreturn msg;")
    # Brackets close themselves and Enter indents inside them.
    expect(dialog.locator('[name="func"]')).to_have_value("if (msg.payload) {\n    return msg;\n}")
    code = dialog.locator('[data-code-for="func"]')
    expect(code.locator(".cm-nonmatchingBracket")).to_have_count(0)
    page.keyboard.type("\nreturn msg +;")
    expect(dialog.locator('[data-code-for="func"] .cm-lint-marker-error')).to_have_count(1, timeout=5000)
    expect(dialog.locator('[data-code-for="func"] .cm-lintRange-error')).to_have_count(1)
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.type(";")
    expect(dialog.locator('[data-code-for="func"] .cm-lint-marker-error')).to_have_count(0, timeout=5000)
    # Tab indents (it does not leave the editor); highlighting is on.
    page.keyboard.press("Home")
    page.keyboard.press("Tab")
    assert "\n        return msg ;" in dialog.locator('[name="func"]').input_value()
    expect(dialog.locator('[data-code-for="func"] .cm-content span').first).to_be_visible()
    # Python code is checked as Python.
    dialog.locator('[name="language"]').select_option("python")
    dialog.locator('[name="func"]').fill("def broken(:\n    return msg")
    expect(dialog.locator('[data-code-for="func"] .cm-lint-marker-error')).to_have_count(1, timeout=5000)
    assert dialog.locator('[data-code-for="func"]').get_attribute("data-language") == "python"
    dialog.locator('[name="func"]').fill("return msg")
    expect(dialog.locator('[data-code-for="func"] .cm-lint-marker-error')).to_have_count(0, timeout=5000)
    dialog.locator('[data-action="inspector-done"]').click()
    deploy(page)
    assert _stored(server)[node]["func"] == "return msg"


FORMS = [
    ("inject", {"name": "every minute", "repeat": "60", "once": True, "onceDelay": 0.1}),
    ("debug", {}),
    ("function", {"name": "double", "language": "javascript", "func": "msg.payload = msg.payload * 2;\nreturn msg;"}),
    ("change", {}), ("switch", {"rules": [{"t": "gt", "v": "10", "vt": "num"}, {"t": "else"}], "outputs": 2}),
    ("template", {}), ("delay", {}), ("trigger", {}), ("split", {}), ("join", {"mode": "custom"}), ("batch", {}),
    ("sort", {}), ("http in", {"url": "/hello"}), ("http request", {}), ("http response", {}), ("websocket in", {}),
    ("csv", {}), ("json", {}), ("yaml", {}), ("xml", {}), ("html", {}),
    ("link in", {}), ("link out", {}), ("link call", {}),
    ("catch", {}), ("status", {}), ("complete", {}), ("mqtt in", {}), ("mqtt out", {}), ("file", {}), ("file in", {}),
    ("exec", {}), ("tcp in", {}), ("tcp out", {}), ("tcp request", {}), ("udp in", {}), ("udp out", {}),
]


def test_core_form_screenshots(editor: Any, server: Any) -> None:
    """Writes docs/editor/form-<type>.png for each core form (reviewed by looking at them)."""
    page = editor
    page.set_viewport_size({"width": 1280, "height": 1000})
    DOCS.mkdir(parents=True, exist_ok=True)
    for node_type, props in FORMS:
        node_id = page.evaluate(
            """([type, props]) => { const a = window.__editor.app;
            const n = a.history.run('add', () => a.model.addNode(type, 300, 200, a.view.tab, props));
            return n.id; }""",
            [node_type, props],
        )
        dialog = _open(page, node_id)
        expect(dialog.locator(".kit-form")).to_be_visible()
        if node_type in ("function", "template"):
            expect(dialog.locator(".code-box.code-ready").first).to_be_attached()
        dialog.screenshot(path=str(DOCS / f"form-{node_type.replace(' ', '-')}.png"))
        dialog.locator('[data-action="inspector-cancel"]').click()
        expect(dialog).to_have_count(0)
    assert len(list(DOCS.glob("form-*.png"))) >= len(FORMS)


PICK_FLOWS = [
    {"id": "t1", "type": "tab", "label": "Main"},
    {"id": "t2", "type": "tab", "label": "Other"},
    {"id": "lin", "type": "link in", "z": "t1", "name": "entry", "links": [], "x": 100, "y": 60, "wires": [["fn"]]},
    {"id": "fn", "type": "function", "z": "t1", "name": "worker", "func": "return msg;", "outputs": 1,
     "x": 300, "y": 60, "wires": [[]]},
    {"id": "cat", "type": "catch", "z": "t1", "name": "", "scope": None, "uncaught": False, "x": 100, "y": 160,
     "wires": [[]]},
    {"id": "lout", "type": "link out", "z": "t2", "name": "to entry", "mode": "link", "links": [], "x": 100, "y": 60,
     "wires": []},
    {"id": "lout2", "type": "link out", "z": "t2", "name": "spare", "mode": "link", "links": [], "x": 100, "y": 120,
     "wires": []},
]


def test_link_and_catch_pick_nodes_by_name(editor: Any, server: Any) -> None:
    page = editor
    server.deploy(PICK_FLOWS)
    page.goto(server.base)
    page.wait_for_selector("body[data-ready='1']")
    dialog = _open(page, "lin")
    picker = dialog.locator('[data-picker="links"]')
    expect(picker).to_contain_text("Other")
    expect(picker.locator("label", has_text="to entry")).to_have_count(1)
    picker.locator("label", has_text="to entry").locator("input").check()
    dialog.locator('[data-action="inspector-done"]').click()
    dialog = _open(page, "cat")
    dialog.locator('[name="scope-mode"]').select_option("selected")
    dialog.locator('[data-picker="scope"] label', has_text="worker").locator("input").check()
    dialog.locator('[name="uncaught"]').check()
    dialog.locator('[data-action="inspector-done"]').click()
    deploy(page)
    stored = _stored(server)
    assert stored["lin"]["links"] == ["lout"]
    assert stored["lout"]["links"] == ["lin"], "the other end of the link follows"
    assert stored["lout2"]["links"] == []
    assert stored["cat"]["scope"] == ["fn"] and stored["cat"]["uncaught"] is True
    # Unlinking from the link out side removes both ends.
    dialog = _open(page, "lout")
    dialog.locator('[data-picker="links"] label', has_text="entry").locator("input").uncheck()
    dialog.locator('[data-action="inspector-done"]').click()
    deploy(page)
    stored = _stored(server)
    assert stored["lout"]["links"] == [] and stored["lin"]["links"] == []


def test_json_value_edited_in_the_code_editor(editor: Any, server: Any) -> None:
    page = editor
    node = add_node(page, "inject", 200, 150)
    dialog = _open(page, node)
    dialog.locator('[name="payloadType"]').select_option("json")
    dialog.locator('[name="payload"]').fill('{"a":1}')
    dialog.locator('[data-action="expand-value"]').first.click()
    code = page.locator("#code-dialog")
    expect(code.locator('[name="expanded-value"]')).to_have_value('{\n  "a": 1\n}')
    code.locator('[name="expanded-value"]').fill('{"a": 1, "b": [')
    expect(code.locator(".cm-lint-marker-error")).to_have_count(1, timeout=5000)
    code.locator('[name="expanded-value"]').fill('{"a": 1, "b": [2]}')
    expect(code.locator(".cm-lint-marker-error")).to_have_count(0, timeout=5000)
    code.locator('[data-action="code-done"]').click()
    expect(code).to_have_count(0)
    expect(dialog.locator('[name="payload"]')).to_have_value('{"a": 1, "b": [2]}')
    dialog.locator('[data-action="inspector-done"]').click()
    deploy(page)
    assert _stored(server)[node]["payload"] == '{"a": 1, "b": [2]}'
