"""Typing on a dashboard while it redraws (Chromium): a Dashboard 1 template drawn again (new HTML
from msg.template, a new message), another template that focuses its own input when drawn, and a
deploy that lays the whole page out again never take the focus or the typed text away from the
input the user is typing in."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from .conftest import Server
from .test_dashboard import TAB, UI, open_dashboard, widget


def _inject(node_id: str, target: str, payload: str, template: str | None = None) -> dict[str, Any]:
    props: list[dict[str, Any]] = [{"p": "payload"}]
    if template is not None:
        props.append({"p": "template", "v": template, "vt": "str"})
    return {"id": node_id, "type": "inject", "z": "f1", "props": props, "repeat": "", "once": False, "topic": "",
            "payload": payload, "payloadType": "str", "wires": [[target]]}


FLOWS = [
    TAB, *UI,
    widget("note", "ui_template", "sensors", 1, wires=False, templateScope="local", templateFromMsg=True,
           format="<input id='note'><p id='shown'>{{msg.payload}}</p>"),
    widget("thief", "ui_template", "sensors", 2, wires=False, templateScope="local", templateFromMsg=True,
           format="<input id='grab'>"),
    widget("other", "ui_text_input", "controls", 1, label="Other", mode="text", delay=300, passthru=False,
           topic="other", topicType="str"),
    _inject("new-html", "note", payload="v2", template="<input id='note'><p id='shown'>{{msg.payload}}</p><b>v2</b>"),
    _inject("tick", "note", payload="tick"),
    _inject("grabber", "thief", payload="x",
            template="<input id='grab'><i id='drawn'>drawn</i>"
                     "<script>document.getElementById('grab').focus();</script>"),
]


def _post(server: Server, node_id: str) -> None:
    assert httpx.post(server.base + f"inject/{node_id}", timeout=5).status_code == 200


def test_redraws_keep_the_focus_and_the_typed_text(page: Any, server: Server) -> None:
    server.deploy(FLOWS)
    open_dashboard(page, server)
    note = page.locator('[data-ui-widget="note"] #note')
    note.click()
    page.keyboard.type("hello")
    _post(server, "new-html")  # the template's HTML is replaced while the user types in it
    expect(page.locator('[data-ui-widget="note"] b')).to_have_text("v2")
    expect(note).to_be_focused()
    expect(note).to_have_value("hello")
    page.keyboard.type(" world")
    expect(note).to_have_value("hello world")
    _post(server, "tick")
    expect(page.locator('[data-ui-widget="note"] #shown')).to_have_text("tick")
    expect(note).to_be_focused()

    other = page.locator('[data-ui-widget="other"] input')
    other.click()
    page.keyboard.type("abc")
    _post(server, "grabber")  # a template that focuses its own input when drawn
    expect(page.locator('[data-ui-widget="thief"] #drawn')).to_have_text("drawn")
    expect(other).to_be_focused()
    page.keyboard.type("d")
    expect(other).to_have_value("abcd")

    note.click()
    page.keyboard.press("End")
    page.keyboard.type("!")
    late = widget("late", "ui_text", "sensors", 3, wires=False, label="Late", format="{{msg.payload}}")
    server.deploy([*FLOWS, late])
    expect(page.locator('[data-ui-widget="late"]')).to_be_visible()  # the page was laid out again
    expect(note).to_be_focused()
    expect(note).to_have_value("hello world!")
    page.keyboard.type("?")
    expect(note).to_have_value("hello world!?")
