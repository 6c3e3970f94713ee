"""Keyboard and screen-reader access: culled nodes stay reachable, groups and splicing by keyboard,
the model combobox, secrets never echoed, named merge conflicts, aria labels and announcements."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import expect

from .helpers import import_json, state

ACTIVE_NODE = "document.activeElement && document.activeElement.dataset.nodeId"


def _in_view(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    ws = page.locator("#workspace").bounding_box()
    if box is None or ws is None:
        return False
    return bool(
        box["x"] >= ws["x"] and box["y"] >= ws["y"]
        and box["x"] + box["width"] <= ws["x"] + ws["width"]
        and box["y"] + box["height"] <= ws["y"] + ws["height"]
    )


def test_tab_reaches_culled_nodes_and_pans_to_them(page: Any, server: Any) -> None:
    from .test_openai_scale import _big_flow

    server.deploy(_big_flow(1000))
    page.goto(server.base)
    page.wait_for_selector("body[data-ready='1']", timeout=60000)
    expect(page.locator('[data-node-id="n0_0"]')).to_be_visible()
    # The first node (in Tab order) that culling has hidden, and the focusable item just before it.
    first_hidden = page.evaluate(
        "[...document.querySelectorAll('.layer-nodes [data-node-id]')]"
        ".find(e => e.style.display === 'none').dataset.nodeId"
    )
    expect(page.locator(f'[data-node-id="{first_hidden}"]')).to_be_hidden()
    page.evaluate(
        """id => {
            const items = [...document.querySelectorAll('.canvas [tabindex="0"]')];
            const i = items.indexOf(document.querySelector(`[data-node-id="${id}"]`));
            items[i - 1].focus();
        }""",
        first_hidden,
    )
    pan_before = page.evaluate("({...window.__editor.app.canvas.pan})")
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE_NODE) == first_hidden
    target = f'[data-node-id="{first_hidden}"]'
    expect(page.locator(target)).to_be_visible()
    assert page.evaluate("({...window.__editor.app.canvas.pan})") != pan_before, "the view did not pan"
    assert _in_view(page, target)
    assert state(page)["selection"] == [first_hidden]
    # Keep going: a few more Tabs keep walking forward, each focused item in view.
    for _ in range(6):
        page.keyboard.press("Tab")
    far = page.evaluate(ACTIVE_NODE) or page.evaluate("document.activeElement.closest('[data-node-id]').dataset.nodeId")
    assert far != first_hidden
    assert _in_view(page, f'[data-node-id="{far}"]')
    # Jump to the far end of the flow and walk back with Shift+Tab: same thing backwards.
    page.evaluate("window.__editor.app.focusNode('n249_3')")
    assert page.evaluate(ACTIVE_NODE) == "n249_3"
    assert _in_view(page, '[data-node-id="n249_3"]')
    expect(page.locator('[data-node-id="n0_0"]')).to_be_hidden()
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(ACTIVE_NODE) == "n249_2"


def _extras(page: Any) -> Any:
    from .test_canvas_extras import FLOW

    import_json(page, json.dumps(FLOW))
    page.locator('[data-tab-id="t1"]').first.click()
    expect(page.locator('[data-node-id="a"]')).to_be_visible()
    return page


def _xy(page: Any, node_id: str) -> tuple[int, int]:
    node = {n["id"]: n for n in state(page)["nodes"]}[node_id]
    return node["x"], node["y"]


def test_group_moves_by_keyboard_and_carries_its_box(editor: Any) -> None:
    page = _extras(editor)
    group = page.locator('[data-group-id="grp"]')
    rect = group.locator("rect")
    expect(group).to_have_attribute("tabindex", "0")
    expect(group).to_have_attribute("aria-label", re.compile(r"^group <b>grouped</b>, 2 members"))
    # Tab reaches the group box (it comes first on the canvas).
    page.locator('[data-tab-id="t1"]').first.focus()
    for _ in range(12):  # past the tab bar and view buttons (+ subflow, map)
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.groupId") == "grp":
            break
    assert page.evaluate("document.activeElement.dataset.groupId") == "grp"
    page.keyboard.press("ArrowRight")
    assert _xy(page, "a") == (190, 120) and _xy(page, "b") == (360, 120)
    expect(rect).to_have_attribute("x", "94")
    assert _xy(page, "lo") == (520, 120)  # not a member
    page.keyboard.press("Shift+ArrowDown")  # five grid steps
    assert _xy(page, "a") == (190, 220)
    expect(rect).to_have_attribute("y", "179")
    assert page.evaluate("document.activeElement.dataset.groupId") == "grp", "the group lost focus"
    expect(page.locator("#announcer")).to_contain_text("Moved group <b>grouped</b> with 2 nodes")
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")
    expect(rect).to_have_attribute("x", "74")
    assert _xy(page, "a") == (170, 120)
    # Moving every member with the arrow keys takes the box along; moving only one does not.
    page.locator('[data-node-id="a"]').click()
    page.locator('[data-node-id="b"]').click(modifiers=["Shift"])
    page.keyboard.press("ArrowLeft")
    assert _xy(page, "a") == (150, 120) and _xy(page, "b") == (320, 120)
    expect(rect).to_have_attribute("x", "54")
    page.locator('[data-node-id="a"]').click()
    page.keyboard.press("ArrowUp")
    assert _xy(page, "a") == (150, 100)
    expect(rect).to_have_attribute("y", "79")
    # Enter on the focused group selects its nodes.
    group.focus()
    page.keyboard.press("Enter")
    assert sorted(state(page)["selection"]) == ["a", "b"]


def test_splice_a_node_into_a_wire_by_keyboard(editor: Any) -> None:
    page = _extras(editor)
    page.locator("[data-action='help']").click()
    expect(page.locator("#help-dialog")).to_contain_text("S (node)")
    expect(page.locator("#help-dialog")).to_contain_text("splice")
    page.locator("#help-dialog button").click()
    page.locator('[data-node-id="fn"]').focus()
    page.keyboard.press("s")
    dialog = page.locator("#splice-dialog")
    expect(dialog).to_be_visible()
    choice = dialog.locator("[name='splice-wire']")
    expect(choice).to_be_focused()
    choice.select_option(label="from A output 1 → msg.payload")  # the debug node's label, as Node-RED draws it
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    expect(page.locator('[data-wire="li:0->fn"]')).to_have_count(1)
    expect(page.locator('[data-wire="fn:0->d"]')).to_have_count(1)
    expect(page.locator('[data-wire="li:0->d"]')).to_have_count(0)
    assert page.evaluate(ACTIVE_NODE) == "fn"
    expect(page.locator("#announcer")).to_contain_text("Spliced")
    page.keyboard.press("Control+z")
    expect(page.locator('[data-wire="li:0->d"]')).to_have_count(1)
    # A node that already has wires cannot be spliced: the user is told why, nothing changes.
    page.locator('[data-node-id="b"]').focus()
    page.keyboard.press("s")
    expect(page.locator("#splice-dialog")).to_have_count(0)
    expect(page.locator("#notices")).to_contain_text("Cannot splice")
    assert "li:0->d" in state(page)["wires"]


OPENAI_FLOW = [
    {"id": "cfg", "type": "openai-config", "name": "listed", "base_url": "http://127.0.0.1:9/v1"},
    {"id": "cfg2", "type": "openai-config", "name": "undeployed", "base_url": "http://127.0.0.1:9/v1"},
    {"id": "chat", "type": "openai-create-chat-completion", "z": "tab1", "name": "chat", "config": "cfg",
     "x": 300, "y": 150, "wires": [[], []]},
]


def test_model_picker_is_a_combobox_with_fallback(editor: Any) -> None:
    page = editor
    asked: list[str] = []

    def models(route: Any) -> None:
        asked.append(route.request.url)
        route.fulfill(json={"object": "list", "data": [{"id": "gpt-test-a"}, {"id": "gpt-test-b"}, {"id": "o-test"}]})

    page.route("**/openai/models?config=cfg", models)
    import_json(page, json.dumps(OPENAI_FLOW))
    page.locator('[data-node-id="chat"]').dblclick()
    inspector = page.locator("#inspector")
    combo = inspector.get_by_role("combobox", name="model")
    expect(combo).to_have_attribute("name", "model")
    expect(combo).to_have_attribute("aria-expanded", "false")
    status = inspector.locator("[data-model-status]")
    expect(status).to_have_text("3 models from the server.")
    assert asked and asked[0].endswith("/openai/models?config=cfg")
    listbox = inspector.get_by_role("listbox")
    combo.focus()
    page.keyboard.press("ArrowDown")
    expect(combo).to_have_attribute("aria-expanded", "true")
    expect(listbox.get_by_role("option")).to_have_text(["gpt-test-a", "gpt-test-b", "o-test"])
    page.keyboard.press("ArrowDown")
    active = combo.get_attribute("aria-activedescendant")
    expect(page.locator(f"#{active}")).to_have_text("gpt-test-b")
    page.keyboard.press("Enter")  # picks the option; does not submit the inspector
    expect(combo).to_have_value("gpt-test-b")
    expect(combo).to_have_attribute("aria-expanded", "false")
    expect(inspector).to_be_visible()
    # Typing filters the list; Escape closes the list but not the inspector.
    combo.fill("")
    combo.press_sequentially("o-")
    expect(listbox.get_by_role("option")).to_have_text(["o-test"])
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(inspector).to_be_visible()
    # A config node that is not deployed: the server has no list; say so, offer the known models.
    inspector.locator('[name="config"]').select_option("cfg2")
    expect(status).to_contain_text("Could not load the model list")
    expect(status).to_contain_text("not deployed")
    expect(status).to_have_attribute("data-source", "error")
    inspector.locator(".combo-toggle").click()
    options = listbox.get_by_role("option")
    expect(options.first).to_be_visible()
    texts = options.all_text_contents()
    assert "gpt-4.1" in texts and "gpt-test-a" not in texts
    options.filter(has_text="gpt-4.1-mini").first.click()
    expect(combo).to_have_value("gpt-4.1-mini")
    # When its server answers, the undeployed config's own settings list the models (POST).
    drafts: list[Any] = []

    def draft_models(route: Any) -> None:
        if route.request.method != "POST":
            route.fallback()
            return
        drafts.append(route.request.post_data_json)
        route.fulfill(json={"object": "list", "data": [{"id": "draft-a"}, {"id": "draft-b"}]})

    page.route("**/openai/models", draft_models)
    inspector.locator('[data-action="load-models"]').click()
    expect(status).to_have_text("2 models from the server.")
    assert drafts == [{"config": "cfg2", "base_url": "http://127.0.0.1:9/v1"}]
    inspector.locator('[data-action="inspector-done"]').click()
    node = next(n for n in state(page)["nodes"] if n["id"] == "chat")
    assert node["id"] == "chat"
    assert page.evaluate("window.__editor.app.model.get('chat').model") == "gpt-4.1-mini"


SECRET = "alice-SECRET"


def _no_input_holds(page: Any, text: str) -> None:
    found = page.evaluate(
        "text => [...document.querySelectorAll('input, textarea')]"
        ".filter(e => e.value.includes(text)).map(e => e.name)",
        text,
    )
    assert found == [], f"a stored secret is echoed in {found}"


def test_stored_credentials_and_password_fields_are_never_echoed(page: Any, server: Any) -> None:
    def node_types(route: Any) -> None:
        body = route.fetch().json()
        types = body if isinstance(body, list) else body["types"]
        types.append({
            "type": "secret-holder", "category": "test", "label": "secret holder", "module": "test",
            "inputs": 1, "outputs": 1, "color": "#ddd", "credentials": {},
            "schema": {"type": "object", "properties": {
                "name": {"type": "string"},
                "token": {"type": "string", "format": "password"},
                "hook": {"type": "string", "writeOnly": True, "description": "a URL with a key in it"},
            }},
        })
        route.fulfill(json=body)

    page.route("**/node-types", node_types)
    page.route("**/credentials/http%20request/hr", lambda route: route.fulfill(
        json={"user": "alice", "has_password": True}))
    page.goto(server.base)
    page.wait_for_selector("body[data-ready='1']")
    import_json(page, json.dumps([
        {"id": "hr", "type": "http request", "z": "tab1", "name": "fetch", "method": "GET", "ret": "txt",
         "url": "http://example.invalid/", "x": 200, "y": 100, "wires": [[]]},
        {"id": "sh", "type": "secret-holder", "z": "tab1", "name": "holder", "token": f"tok-{SECRET}",
         "hook": f"https://hook.invalid/{SECRET}", "x": 200, "y": 250, "wires": [[]]},
    ]))
    # Credentials: the stored password shows the placeholder, masked; the text credential (a user
    # name, not secret by declaration) shows its value, as in Node-RED.
    page.locator('[data-node-id="hr"]').dblclick()
    user = page.locator('#inspector [data-credential="user"]')
    password = page.locator('#inspector [data-credential="password"]')
    expect(user).to_have_value("alice")
    expect(user).to_have_attribute("type", "text")
    expect(password).to_have_value("__PWRD__")
    expect(password).to_have_attribute("type", "password")
    # Leaving everything alone sends nothing; a new user is the only change kept for the deploy.
    page.locator('#inspector [data-action="inspector-done"]').click()
    assert not page.evaluate("window.__editor.app.model.get('hr').credentials")
    page.locator('[data-node-id="hr"]').dblclick()
    user.fill("bob")
    page.locator('#inspector [data-action="inspector-done"]').click()
    assert page.evaluate("window.__editor.app.model.get('hr').credentials") == {"user": "bob"}
    # Reopened: the pending text value is shown and kept; the password is still not echoed.
    page.locator('[data-node-id="hr"]').dblclick()
    expect(user).to_have_value("bob")
    expect(password).to_have_value("__PWRD__")
    page.locator('#inspector [data-action="inspector-done"]').click()
    assert page.evaluate("window.__editor.app.model.get('hr').credentials") == {"user": "bob"}
    # Schema fields with format: password / writeOnly: placeholder, never the value; kept unless typed over.
    page.locator('[data-node-id="sh"]').dblclick()
    token = page.locator('#inspector [name="token"]')
    hook = page.locator('#inspector [name="hook"]')
    expect(token).to_have_value("__PWRD__")
    expect(hook).to_have_value("__PWRD__")
    expect(token).to_have_attribute("type", "password")
    expect(hook).to_have_attribute("type", "password")
    _no_input_holds(page, SECRET)
    hook.fill("https://hook.invalid/new")
    page.locator('#inspector [data-action="inspector-done"]').click()
    node = page.evaluate("window.__editor.app.model.get('sh')")
    assert node["token"] == f"tok-{SECRET}" and node["hook"] == "https://hook.invalid/new"


def test_merge_names_the_nodes_changed_on_both_sides(page: Any, server: Any) -> None:
    tab = {"id": "tab1", "type": "tab", "label": "Flow 1", "disabled": False, "info": "", "env": []}

    def comment(node_id: str, name: str, y: int) -> dict[str, Any]:
        return {"id": node_id, "type": "comment", "z": "tab1", "name": name, "info": "", "x": 200, "y": y, "wires": []}

    server.deploy([tab, comment("both", "original <both>", 100), comment("theirs", "theirs only", 200)])
    page.goto(server.base)
    page.wait_for_selector("body[data-ready='1']")
    page.locator('[data-node-id="both"]').dblclick()
    page.locator('#inspector [name="name"]').fill("mine <both>")
    page.locator('#inspector [data-action="inspector-done"]').click()
    current = server.flows()
    changed = [
        {**o, "name": "server <both>"} if o["id"] == "both"
        else {**o, "name": "theirs changed"} if o["id"] == "theirs" else o
        for o in current["flows"]
    ]
    server.deploy(changed, rev=current["rev"])
    page.locator("#deploy").click()
    page.locator("[data-action='conflict-merge']").click()
    notice = page.locator("#notices .notice").filter(has_text="Merged")
    expect(notice).to_contain_text("1 node was changed both here and on the server")
    expect(notice).to_contain_text("mine <both> (comment both): your version kept")
    expect(notice).not_to_contain_text("theirs changed")
    expect(page.locator("#announcer")).to_contain_text("mine <both> (comment both)")
    # The merge kept our edit and took their other change; "Show" focuses the conflicted node.
    expect(page.locator('[data-node-id="both"]')).to_contain_text("mine <both>")
    expect(page.locator('[data-node-id="theirs"]')).to_contain_text("theirs changed")
    notice.locator("[data-action='show-conflict']").click()
    assert page.evaluate(ACTIVE_NODE) == "both"
    assert page.locator("#notices b, #notices both").count() == 0


def test_node_aria_labels_and_deploy_announcement(editor: Any, server: Any) -> None:
    page = editor
    import_json(page, json.dumps([
        {"id": "i1", "type": "inject", "z": "tab1", "name": "tick <1>", "props": [{"p": "payload"}], "payload": "",
         "payloadType": "date", "repeat": "", "once": False, "x": 140, "y": 100, "wires": [["f1"]]},
        {"id": "f1", "type": "function", "language": "python",
         "z": "tab1", "name": "split", "func": "return [msg, msg]", "outputs": 2,
         "x": 360, "y": 100, "wires": [["d1"], []]},
        {"id": "d1", "type": "debug", "z": "tab1", "name": "", "active": True, "tosidebar": True, "complete": "false",
         "x": 580, "y": 100, "wires": []},
    ]))
    labels = page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('[data-node-id]')]"
        ".map(e => [e.dataset.nodeId, e.getAttribute('aria-label')]))"
    )
    assert labels == {
        "i1": "inject node tick <1>, 0 inputs, 1 output",
        "f1": "function node split, 1 input, 2 outputs",
        "d1": "debug node msg.payload, 1 input, 0 outputs",  # labelled as Node-RED draws it
    }
    for node_id in labels:
        node = page.locator(f'[data-node-id="{node_id}"]')
        expect(node).to_have_attribute("tabindex", "0")
        expect(node).to_have_attribute("role", "button")
    expect(page.get_by_role("button", name="inject node tick <1>, 0 inputs, 1 output")).to_have_count(1)
    expect(page.locator('[data-wire="i1:0->f1"]')).to_have_attribute(
        "aria-label", "wire from tick <1> output 1 to split")
    expect(page.locator('[data-wire="f1:0->d1"]')).to_have_attribute(
        "aria-label", "wire from split output 1 to msg.payload")
    expect(page.locator('[data-node-id="i1"] [data-action="inject"]')).to_have_attribute("aria-label", "inject now")
    toggle = page.locator('[data-node-id="d1"] [data-action="debug-toggle"]')
    expect(toggle).to_have_attribute("aria-label", "disable debug output")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    # The live region: polite status; a keyboard move is announced, then the deploy with its revision.
    announcer = page.locator("#announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_have_attribute("role", "status")
    page.keyboard.press("Escape")  # the import selected what it added
    page.locator('[data-node-id="f1"]').focus()
    page.keyboard.press("ArrowRight")
    expect(announcer).to_have_text("Moved to 380, 100")
    expect(page.locator("#deploy")).to_have_attribute("aria-label", "Deploy (unsaved changes)")
    page.keyboard.press("Control+d")
    expect(page.locator("#deploy")).to_have_attribute("data-state", "clean")
    rev = server.flows()["rev"]
    expect(announcer).to_have_text(f"Deployed (rev {rev[:8]})")
    expect(page.locator("#deploy")).to_have_attribute("aria-label", "Deploy (no changes)")
    # An invalid node says so to assistive technology, not only with a coloured badge.
    page.evaluate(
        """() => { const a = window.__editor.app;
        a.history.run('edit', () => a.model.updateNode('f1', {...a.model.get('f1'), outputs: 'many'})); }"""
    )
    f1 = page.locator('[data-node-id="f1"]')
    expect(f1).to_have_attribute("aria-invalid", "true")
    expect(f1).to_have_attribute("aria-description", re.compile(r"^invalid: outputs"))
    expect(announcer).to_have_text(f"Deployed (rev {rev[:8]})")  # nothing else was announced meanwhile
