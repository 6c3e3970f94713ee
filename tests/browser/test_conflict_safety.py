"""Deploy conflicts (409: merge or overwrite), user text stays text (XSS), connection banner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from .conftest import Server
from .helpers import add_node, deploy, import_json, state


def _external_deploy(server: Any, extra: dict[str, Any]) -> None:
    current = server.flows()
    server.deploy([*current["flows"], extra], rev=current["rev"])


def test_conflict_merge_then_overwrite(editor: Any, server: Any, shot: Any) -> None:
    page = editor
    mine = add_node(page, "inject", 150, 150)
    _external_deploy(
        server, {"id": "ext1", "type": "comment", "z": "tab1", "name": "theirs", "x": 300, "y": 320, "wires": []}
    )
    page.locator("#deploy").click()
    expect(page.locator("[data-action='conflict-merge']")).to_be_visible()
    shot(page, "conflict")
    page.locator("[data-action='conflict-merge']").click()
    expect(page.locator('[data-node-id="ext1"]')).to_be_visible()
    expect(page.locator(f'[data-node-id="{mine}"]')).to_be_visible()
    deploy(page)
    ids = {n["id"] for n in server.flows()["flows"]}
    assert {"ext1", mine} <= ids

    second = add_node(page, "debug", 400, 150)
    _external_deploy(
        server, {"id": "ext2", "type": "comment", "z": "tab1", "name": "lost", "x": 300, "y": 380, "wires": []}
    )
    page.locator("#deploy").click()
    page.locator("[data-action='conflict-overwrite']").click()
    expect(page.locator("#deploy")).to_have_attribute("data-state", "clean")
    ids = {n["id"] for n in server.flows()["flows"]}
    assert second in ids and "ext2" not in ids

    # A deploy from elsewhere while the editor is clean: nothing is replaced, a reload is offered.
    _external_deploy(
        server, {"id": "ext3", "type": "comment", "z": "tab1", "name": "new", "x": 500, "y": 380, "wires": []}
    )
    reload = page.locator("[data-action='reload-flows']")
    expect(reload).to_be_visible()
    expect(page.locator('[data-node-id="ext3"]')).to_have_count(0)
    reload.click()
    expect(page.locator('[data-node-id="ext3"]')).to_be_visible()
    expect(page.locator("#deploy")).to_have_attribute("data-state", "clean")


XSS_NAME = '<img src=x onerror="window.__xss=1">'
XSS_TAB = "<script>window.__xss=2</script>"
XSS_PAYLOAD = '<img src=x onerror="window.__xss=3"><b>bold</b>'


def test_user_text_is_rendered_as_text(editor: Any, shot: Any) -> None:
    page = editor
    flows = [
        {"id": "xtab", "type": "tab", "label": XSS_TAB, "disabled": False, "info": "", "env": []},
        {
            "id": "xin",
            "type": "inject",
            "z": "xtab",
            "name": XSS_NAME,
            "props": [{"p": "payload"}, {"p": "topic", "vt": "str"}],
            "payload": XSS_PAYLOAD,
            "payloadType": "str",
            "topic": XSS_NAME,
            "repeat": "",
            "once": False,
            "x": 150,
            "y": 100,
            "wires": [["xdbg"]],
        },
        {
            "id": "xdbg",
            "type": "debug",
            "z": "xtab",
            "name": XSS_NAME,
            "active": True,
            "tosidebar": True,
            "complete": "true",
            "targetType": "full",
            "x": 450,
            "y": 100,
            "wires": [],
        },
    ]
    import_json(page, json.dumps(flows))
    expect(page.locator('[data-node-id="xin"] .node-label')).to_have_text(XSS_NAME)
    expect(page.locator('[data-tab-id="xtab"]')).to_contain_text(XSS_TAB)
    deploy(page)
    page.locator('[data-node-id="xin"] [data-action="inject"]').click()
    message = page.locator("#debug .debug-message").first
    expect(message).to_contain_text(XSS_PAYLOAD.replace('"', '\\"'))
    page.locator('[data-node-id="xin"]').dblclick()
    expect(page.locator('#inspector [name="name"]')).to_have_value(XSS_NAME)
    page.locator("[data-action='inspector-cancel']").click()
    shot(page, "xss-as-text")
    assert page.evaluate("window.__xss") is None
    assert page.locator("body img, body script, body b").count() == 0


def test_connection_lost_banner_and_reconnect(playwright_browser: Any, tmp_path: Path) -> None:
    srv = Server(tmp_path)
    srv.start()
    context = playwright_browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(srv.base)
        page.wait_for_selector("body[data-ready='1']")
        expect(page.locator("body")).to_have_attribute("data-connection", "connected")
        expect(page.locator("#connection-banner")).to_be_hidden()
        srv.stop()
        expect(page.locator("#connection-banner")).to_be_visible()
        expect(page.locator("#announcer")).to_contain_text("Lost connection")
        srv.start()
        expect(page.locator("#connection-banner")).to_be_hidden(timeout=15000)
        assert state(page)["dirty"] is False
    finally:
        context.close()
        srv.stop()


def test_login_and_admin_root(playwright_browser: Any, tmp_path: Path) -> None:
    import bcrypt

    hashed = bcrypt.hashpw(b"s3cret-pass", bcrypt.gensalt(rounds=4)).decode()
    (tmp_path / "settings.toml").write_text(
        'httpAdminRoot = "/admin"\n'
        "[adminAuth]\n"
        'type = "credentials"\n'
        "[[adminAuth.users]]\n"
        'username = "admin"\n'
        f'password = "{hashed}"\n'
        'permissions = "*"\n'
    )
    srv = Server(tmp_path, root="/admin/")
    srv.start()
    context = playwright_browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(srv.base.rstrip("/"))  # no trailing slash: the editor redirects to the root
        page.locator("#login-dialog [name='username']").fill("admin")
        page.locator("#login-dialog [name='password']").fill("s3cret-pass")
        page.locator("[data-action='login']").click()
        page.wait_for_selector("body[data-ready='1']")
        expect(page.locator("body")).to_have_attribute("data-connection", "connected")
        add_node(page, "inject", 200, 200)
        deploy(page)
    finally:
        context.close()
        srv.stop()
