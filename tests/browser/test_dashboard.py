"""The dashboard page in Chromium: a Dashboard 1 flow shows its widgets with their values, and
operating the page's controls sends Dashboard 1's messages into the flow (DESIGN §11 hooks)."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx
from playwright.sync_api import expect

from .conftest import REPO, Server

README_PICTURE = REPO / "docs" / "dashboard.png"

TAB = {"id": "f1", "type": "tab", "label": "Flow 1", "disabled": False, "info": "", "env": []}
UI = [
    {"id": "base", "type": "ui_base", "theme": {"name": "theme-light"}, "site": {"name": "Plant room"}},
    {"id": "home", "type": "ui_tab", "name": "Home", "icon": "dashboard", "order": 1},
    {"id": "more", "type": "ui_tab", "name": "More", "icon": "dashboard", "order": 2},
    {"id": "sensors", "type": "ui_group", "name": "Sensors", "tab": "home", "order": 1, "disp": True, "width": "6"},
    {"id": "controls", "type": "ui_group", "name": "Controls", "tab": "home", "order": 2, "disp": True, "width": "6"},
    {"id": "extra", "type": "ui_group", "name": "Extra", "tab": "more", "order": 1, "disp": True, "width": "6"},
]


def inject(node_id: str, payload: Any, topic: str, wires: list[str]) -> dict[str, Any]:
    return {"id": node_id, "type": "inject", "z": "f1", "props": [{"p": "payload"}, {"p": "topic", "vt": "str"}],
            "repeat": "", "once": True, "onceDelay": 0.1, "topic": topic, "payload": json.dumps(payload),
            "payloadType": "json", "wires": [wires]}


def widget(node_id: str, node_type: str, group: str, order: int, wires: bool = True, **props: Any) -> dict[str, Any]:
    node = {"id": node_id, "type": node_type, "z": "f1", "group": group, "order": order, "width": 0, "height": 0,
            **props}
    node["wires"] = [["store"]] if wires else []
    return node


FLOWS = [
    TAB, *UI,
    inject("in-level", 42, "level", ["gauge", "text"]),
    inject("in-a", 3, "a", ["trend"]),
    {"id": "trend", "type": "function", "z": "f1", "outputs": 1, "wires": [["chart"]],
     "func": "const t = Date.now(); return [[...Array(12).keys()].flatMap(i => ["
             "{topic: 'a', payload: 20 + 8 * Math.sin(i / 2), timestamp: t - (12 - i) * 60000},"
             "{topic: 'b', payload: 12 + 3 * Math.cos(i / 3), timestamp: t - (12 - i) * 60000}])];"},
    widget("gauge", "ui_gauge", "sensors", 1, wires=False, gtype="gage", title="Level", label="%",
           format="{{value}}", min=0, max=100),
    widget("chart", "ui_chart", "sensors", 2, wires=False, label="Trend", chartType="line", legend="true",
           removeOlder=1, removeOlderUnit="3600", removeOlderPoints=""),
    widget("text", "ui_text", "sensors", 3, wires=False, label="Level", format="{{msg.payload}} %",
           layout="row-spread"),
    widget("button", "ui_button", "controls", 1, label="Start", payload="go", payloadType="str", topic="button",
           topicType="str"),
    widget("switch", "ui_switch", "controls", 2, label="Pump", passthru=True, decouple="false", topic="switch",
           topicType="str", onvalue="ON", onvalueType="str", offvalue="OFF", offvalueType="str"),
    widget("slider", "ui_slider", "controls", 3, label="Speed", min=0, max=10, step=1, outs="end", passthru=True,
           topic="slider", topicType="str"),
    widget("input", "ui_text_input", "controls", 4, label="Name", mode="text", delay=0, passthru=True,
           topic="input", topicType="str"),
    widget("dropdown", "ui_dropdown", "controls", 5, label="Mode", place="Pick one", passthru=True, multiple=False,
           options=[{"label": "Auto", "value": "auto", "type": "str"}, {"label": "Off", "value": 0, "type": "num"}],
           topic="dropdown", topicType="str"),
    widget("echo", "ui_template", "extra", 1, wires=False, format="<p id='echo'>{{msg.topic}}={{msg.payload}}</p>",
           templateScope="local"),
    widget("own", "ui_template", "extra", 2, templateScope="local", storeOutMessages=True, fwdInMessages=False,
           format="<button id='tb' ng-click=\"send({payload: 'clicked', topic: 'template'})\">Send</button>"
                  "<span id='seen'></span><script>scope.$watch('msg', function (m) {"
                  " if (m) { document.getElementById('seen').textContent = 'got ' + m.payload; } });</script>"),
    inject("in-html", "<img src=x onerror=alert(1)><b>bold</b>", "html", ["html"]),
    widget("html", "ui_text", "extra", 3, wires=False, label="Raw", format="{{msg.payload}}", layout="row-spread"),
    {"id": "store", "type": "function", "z": "f1", "outputs": 1, "wires": [["echo"]],
     "func": "global.set(msg.topic, msg.payload); return msg;"},
    {"id": "ctl", "type": "ui_ui_control", "z": "f1", "events": "all", "wires": [[]]},
]


def stored(server: Server, key: str) -> Any:
    r = httpx.get(server.base + f"context/global/{key}", timeout=5)
    r.raise_for_status()
    body = r.json()
    return body.get("msg") if isinstance(body, dict) else None


def wait_served(server: Server, path: str, timeout: float = 10) -> None:
    """Until the dashboard page at ``path`` answers: a deploy returns before its nodes have started
    (as in Node-RED), and the page's routes come with the first dashboard node."""
    deadline = time.monotonic() + timeout
    while httpx.get(server.base + path, timeout=5).status_code != 200:
        assert time.monotonic() < deadline, f"{path} is not served {timeout} s after the deploy"
        time.sleep(0.05)


def open_dashboard(page: Any, server: Server) -> None:
    wait_served(server, "ui/")
    page.goto(server.base + "ui")
    expect(page.locator('[data-ui-tab="home"]')).to_be_visible()


def test_dashboard_shows_values_and_sends_what_the_page_operates(page: Any, server: Server, shot: Any) -> None:
    server.deploy(FLOWS)
    open_dashboard(page, server)
    expect(page.locator('[data-ui-group="sensors"]')).to_be_visible()
    expect(page.locator('[data-ui-group="controls"]')).to_be_visible()
    expect(page.locator('[data-ui-widget="gauge"]')).to_have_attribute("data-value", "42")
    expect(page.locator('[data-ui-widget="text"]')).to_have_attribute("data-value", '"42"')
    expect(page.locator('[data-ui-widget="text"]')).to_contain_text("42 %")
    chart = page.locator('[data-ui-widget="chart"]')
    expect(chart).to_have_attribute("data-value", _series_pattern())
    expect(chart.locator("polyline")).to_have_count(2)
    expect(page).to_have_title("Plant room")

    page.locator('[data-ui-widget="button"] button').click()
    _expect_echo(page, server, "button", "go")
    page.locator('[data-ui-widget="switch"] input').click()
    _expect_echo(page, server, "switch", "ON")
    expect(page.locator('[data-ui-widget="switch"]')).to_have_attribute("data-value", "true")
    page.locator('[data-ui-widget="slider"] input').fill("7")
    _expect_echo(page, server, "slider", "7")
    field = page.locator('[data-ui-widget="input"] input')
    field.fill("Ada")
    field.press("Enter")
    _expect_echo(page, server, "input", "Ada")
    page.locator('[data-ui-widget="dropdown"] select').select_option(label="Off")
    _expect_echo(page, server, "dropdown", "0")
    assert stored(server, "dropdown") == "0"  # the option's number, as the debug encoding shows it
    open_tab(page, 1)
    page.locator("#tb").click()  # a template's own markup sends through scope.send
    expect(page.locator("#echo")).to_have_text("template=clicked")
    expect(page.locator("#seen")).to_have_text("got clicked")  # its script's $watch saw the message
    html = page.locator('[data-ui-widget="html"]')
    expect(html).to_contain_text("<b>bold</b>")  # message values are text, never markup
    assert html.locator("b, img").count() == 0
    open_tab(page, 0)  # back to Home for the picture
    expect(page.locator("#menu")).to_be_hidden()
    shot(page, "dashboard")
    page.screenshot(path=str(README_PICTURE))  # the README's picture of a dashboard, reviewed by looking at it


def _series_pattern() -> Any:
    return re.compile(r'^\[\{"series":\["a","b"\]|^\[\{"series":\["b","a"\]')


def open_tab(page: Any, index: int) -> None:
    page.locator("#menu-toggle").click()
    page.locator(f'#menu [data-ui-menu="{index}"]').click()


def _expect_echo(page: Any, server: Server, topic: str, payload: str) -> None:
    open_tab(page, 1)
    expect(page.locator("#echo")).to_have_text(f"{topic}={payload}")
    open_tab(page, 0)
    assert stored(server, topic) == payload


def test_late_pages_see_the_last_values_pages_stay_in_sync_and_ui_control_switches_tab(
        page: Any, server: Server, playwright_browser: Any) -> None:
    server.deploy(FLOWS)
    open_dashboard(page, server)
    switch = page.locator('[data-ui-widget="switch"]')
    expect(switch).to_have_attribute("data-value", re.compile("^(true|false)$"))  # a redeploy keeps the state
    was = switch.get_attribute("data-value")
    now, then = ("false", "true") if was == "true" else ("true", "false")
    switch.locator("input").click()
    expect(switch).to_have_attribute("data-value", now)
    context = playwright_browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    try:
        late = context.new_page()
        open_dashboard(late, server)
        expect(late.locator('[data-ui-widget="gauge"]')).to_have_attribute("data-value", "42")
        expect(late.locator('[data-ui-widget="switch"]')).to_have_attribute("data-value", now)
        late.locator('[data-ui-widget="switch"] input').click()  # operated on the phone...
        expect(switch).to_have_attribute("data-value", then)  # ...seen here
        r = httpx.post(server.base + "inject/in-level", json={"__user_inject_props__": [
            {"p": "payload", "v": "77", "vt": "num"}]}, timeout=5)
        assert r.status_code == 200
        expect(late.locator('[data-ui-widget="gauge"]')).to_have_attribute("data-value", "77")
        expect(page.locator('[data-ui-widget="gauge"]')).to_have_attribute("data-value", "77")
    finally:
        context.close()
    server.deploy([*FLOWS, {"id": "to-more", "type": "inject", "z": "f1", "props": [{"p": "payload"}],
                            "repeat": "", "once": False, "payload": "More", "payloadType": "str", "wires": [["ctl"]]}])
    expect(page.locator('[data-ui-widget="gauge"]')).to_have_attribute("data-value", "42")  # redeployed, reconnected
    assert httpx.post(server.base + "inject/to-more", timeout=5).status_code == 200
    expect(page.locator('[data-ui-tab="more"]')).to_be_visible()
    expect(page.locator('[data-ui-tab="home"]')).to_be_hidden()
