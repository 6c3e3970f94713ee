"""The http response node's typed header rows (issue 11), as the http request form has them: a
common name or value picked from a list, or "other" with the text typed; stored as Node-RED stores
them, an object {name: value}. Driven with the mouse and keyboard, checked in GET /flows after a
deploy and in the answer the endpoint then gives."""

from __future__ import annotations

import json
from typing import Any

import httpx
from playwright.sync_api import expect

from .helpers import deploy

TAB = {"id": "t1", "type": "tab", "label": "Main", "disabled": False, "info": "", "env": []}
FLOW = [
    TAB,
    {"id": "hin", "type": "http in", "z": "t1", "name": "", "url": "/resp-headers", "method": "get",
     "upload": False, "swaggerDoc": "", "x": 120, "y": 80, "wires": [["hres"]]},
    {"id": "hres", "type": "http response", "z": "t1", "name": "", "statusCode": "",
     "headers": {"x-kept": "1", "content-type": "application/json"}, "x": 340, "y": 80, "wires": []},
]


def _open(page: Any, node_id: str) -> Any:
    page.evaluate("(id) => window.__editor.app.openInspector(id)", node_id)
    dialog = page.locator("#inspector")
    expect(dialog).to_be_visible()
    return dialog


def _options(select: Any) -> list[str]:
    return list(select.evaluate("(s) => [...s.options].map((o) => o.value)"))


def _stored_headers(server: Any) -> Any:
    return next(n for n in server.flows()["flows"] if n["id"] == "hres")["headers"]


def test_http_response_typed_header_rows(editor: Any, server: Any) -> None:
    page = editor
    server.deploy(FLOW)
    page.evaluate("() => window.__editor.app.reload()")
    page.wait_for_function(f"() => window.__editor.app.model.rev === {json.dumps(server.flows()['rev'])}")

    # The stored object shows as rows: an unknown name as other + text, a known one as its preset.
    dialog = _open(page, "hres")
    expect(dialog.locator('[name="headers.0.keyType"]')).to_have_value("other")
    expect(dialog.locator('[name="headers.0.keyValue"]')).to_have_value("x-kept")
    expect(dialog.locator('[name="headers.0.valueValue"]')).to_have_value("1")
    expect(dialog.locator('[name="headers.1.keyType"]')).to_have_value("Content-Type")
    expect(dialog.locator('[name="headers.1.keyValue"]')).to_be_hidden()
    expect(dialog.locator('[name="headers.1.valueType"]')).to_have_value("application/json")
    # A response header has no "msg." choice (Node-RED reads msg.headers instead).
    options = _options(dialog.locator('[name="headers.0.valueType"]'))
    assert "msg" not in options and "other" in options

    # Change the content type by its preset list, add a typed header, leave the first row alone.
    dialog.locator('[name="headers.1.valueType"]').select_option("text/plain")
    add = dialog.locator('[data-action="add-item"][data-for="headers"]')
    add.click()
    dialog.locator('[name="headers.2.keyType"]').select_option("other")
    dialog.locator('[name="headers.2.keyValue"]').fill("X-Trace")
    dialog.locator('[name="headers.2.valueValue"]').fill("abc")
    add.click()
    dialog.locator('[name="headers.3.keyType"]').select_option("Cache-Control")
    assert "no-cache" in _options(dialog.locator('[name="headers.3.valueType"]'))
    dialog.locator('[name="headers.3.valueType"]').select_option("no-cache")
    add.click()  # a row left empty is not saved
    dialog.locator('[data-action="inspector-done"]').click()
    expect(dialog).to_have_count(0)
    deploy(page)
    assert _stored_headers(server) == {"x-kept": "1", "Content-Type": "text/plain", "X-Trace": "abc",
                                       "Cache-Control": "no-cache"}

    answer = httpx.get(server.base + "resp-headers", timeout=10)
    assert answer.headers["x-trace"] == "abc" and answer.headers["cache-control"] == "no-cache"
    assert answer.headers["content-type"].startswith("text/plain") and answer.headers["x-kept"] == "1"

    # Removing a row removes the header.
    dialog = _open(page, "hres")
    dialog.locator('[data-list="headers"] > li').nth(0).locator('[data-action="remove-item"]').click()
    dialog.locator('[data-action="inspector-done"]').click()
    expect(dialog).to_have_count(0)
    deploy(page)
    assert _stored_headers(server) == {"Content-Type": "text/plain", "X-Trace": "abc", "Cache-Control": "no-cache"}
