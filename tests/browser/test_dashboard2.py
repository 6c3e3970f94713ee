"""A Dashboard 2 (@flowfuse/node-red-dashboard) flow in Chromium: its pages at their own paths under
/dashboard, widgets showing the flow's values, and the page's controls sending Dashboard 2's messages."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx
from playwright.sync_api import expect

from .conftest import Server
from .test_dashboard import stored, wait_served

TAB = {"id": "f1", "type": "tab", "label": "Flow 1", "disabled": False, "info": "", "env": []}
UI = [
    {"id": "base", "type": "ui-base", "name": "Greenhouse", "path": "/dashboard", "includeClientData": True},
    {"id": "theme", "type": "ui-theme", "name": "Default", "colors": {"surface": "#ffffff", "primary": "#0094CE",
                                                                    "bgPage": "#eeeeee", "groupBg": "#ffffff",
                                                                    "groupOutline": "#cccccc"}},
    {"id": "home", "type": "ui-page", "name": "Home", "ui": "base", "path": "/home", "theme": "theme", "order": 1,
     "icon": "dashboard",
     "visible": "true", "disabled": "false"},
    {"id": "more", "type": "ui-page", "name": "More", "ui": "base", "path": "/more", "theme": "theme", "order": 2,
     "visible": "true", "disabled": "false"},
    {"id": "sensors", "type": "ui-group", "name": "Sensors", "page": "home", "width": 6, "order": 1,
     "showTitle": True},
    {"id": "controls", "type": "ui-group", "name": "Controls", "page": "home", "width": 6, "order": 2,
     "showTitle": True},
    {"id": "extra", "type": "ui-group", "name": "Extra", "page": "more", "width": 6, "order": 1, "showTitle": True},
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
    inject("in-temp", 23.5, "temp", ["gauge", "text"]),
    inject("in-a", 3, "a", ["chart"]), inject("in-b", 7, "b", ["chart"]),
    inject("in-rows", [{"room": "hall", "temp": 20}, {"room": "attic", "temp": 25}], "rows", ["table"]),
    inject("in-note", "watering", "md", ["md"]),
    widget("gauge", "ui-gauge", "sensors", 1, wires=False, gtype="gauge-half", title="Temp", units="°C", min=0,
           max="50", segments=[{"from": "0", "color": "#5cd65c"}, {"from": "30", "color": "#ea5353"}]),
    widget("text", "ui-text", "sensors", 2, wires=False, label="Temperature", format="{{msg.payload}} °C",
           layout="row-spread"),
    widget("chart", "ui-chart", "sensors", 3, wires=False, label="Trend", chartType="line", category="topic",
           categoryType="msg", xAxisType="time", removeOlder=1, removeOlderUnit="3600"),
    widget("button", "ui-button", "controls", 1, label="Start", payload="go", payloadType="str", topic="button",
           topicType="str", icon="mdi-power"),
    widget("switch", "ui-switch", "controls", 2, label="Pump", passthru=False, topic="switch", topicType="str",
           onvalue="ON", onvalueType="str", offvalue="OFF", offvalueType="str"),
    widget("dropdown", "ui-dropdown", "controls", 3, label="Mode", topic="dropdown", topicType="str",
           options=[{"label": "Auto", "value": "auto", "type": "str"}, {"label": "Off", "value": "0", "type": "num"}]),
    widget("group", "ui-button-group", "controls", 4, label="Hours", topic="hours", topicType="str",
           options=[{"label": "1H", "value": "1", "valueType": "num"},
                    {"label": "6H", "value": "6", "valueType": "num"}]),
    widget("md", "ui-markdown", "extra", 1, wires=False, content="# Notes\n\nNow **{{ msg.payload }}** <i>x</i>"),
    widget("table", "ui-table", "extra", 2, wires=False, action="replace", autocols=True, columns=[]),
    {"id": "store", "type": "function", "z": "f1", "outputs": 1, "wires": [[]],
     "func": "global.set(msg.topic, msg.payload); return msg;"},
]


def test_dashboard2_pages_values_and_controls(page: Any, server: Server, shot: Any) -> None:
    server.deploy(FLOWS)
    wait_served(server, "dashboard/home")
    page.goto(server.base + "dashboard/home")
    expect(page.locator('[data-ui-tab="home"]')).to_be_visible()
    expect(page).to_have_title("Greenhouse")
    expect(page.locator('[data-ui-widget="gauge"]')).to_have_attribute("data-value", "23.5")
    bands = page.locator('[data-ui-widget="gauge"] .ui-gauge-sectors path')  # the segments as colour bands
    expect(bands).to_have_count(2)
    assert [bands.nth(i).get_attribute("stroke") for i in range(2)] == ["#5cd65c", "#ea5353"]
    assert page.locator('[data-ui-widget="gauge"] .ui-gauge-bar').get_attribute("stroke") == "#5cd65c"
    expect(page.locator('[data-ui-widget="text"]')).to_contain_text("23.5 °C")
    expect(page.locator('[data-ui-widget="chart"] polyline')).to_have_count(2)

    expect(page.locator('[data-ui-widget="button"] .ui-icon')).to_have_text("⏻")  # icons as symbols, no icon font
    expect(page.locator('#menu [data-ui-menu="0"] .ui-menu-icon')).to_have_text("▦")
    page.locator('[data-ui-widget="button"] button').click()
    _wait_stored(server, "button", "go")
    page.locator('[data-ui-widget="switch"] input').click()
    _wait_stored(server, "switch", "ON")
    page.locator('[data-ui-widget="dropdown"] select').select_option(label="Off")
    _wait_stored(server, "dropdown", "0")
    page.locator('[data-ui-widget="group"] button', has_text="6H").click()
    _wait_stored(server, "hours", "6")
    expect(page.locator('[data-ui-widget="group"]')).to_have_attribute("data-value", "6")
    shot(page, "dashboard2")

    page.locator("#menu-toggle").click()
    page.locator('#menu [data-ui-menu="1"]').click()
    expect(page.locator('[data-ui-tab="more"]')).to_be_visible()
    assert page.url.endswith("/dashboard/more")  # each page at its own path
    md = page.locator('[data-ui-widget="md"]')
    expect(md.locator("h1")).to_have_text("Notes")
    expect(md.locator("strong")).to_have_text("watering")
    assert md.locator("i").count() == 0  # the author's markup is text
    expect(page.locator('[data-ui-widget="table"] tbody tr')).to_have_count(2)
    expect(page.locator('[data-ui-widget="table"] th').first).to_have_text("room")

    page.goto(server.base + "dashboard/more")  # a page's own address opens that page
    expect(page.locator('[data-ui-tab="more"]')).to_be_visible()
    expect(page.locator('[data-ui-tab="home"]')).to_be_hidden()


def _wait_stored(server: Server, key: str, value: str) -> None:
    """Until the flow stored ``value`` under ``key`` (the message reached it), within 5 s."""
    deadline = time.monotonic() + 5
    while stored(server, key) != value:
        assert time.monotonic() < deadline, f"global {key} is {stored(server, key)!r}, expected {value!r}"
        time.sleep(0.05)


def test_dashboard2_page_is_at_http_node_root(server: Server) -> None:
    server.deploy(FLOWS)
    wait_served(server, "dashboard/home")
    r = httpx.get(server.base + "dashboard/home", timeout=5)
    assert r.status_code == 200 and re.search(r'<base href="[^"]*/dashboard/">', r.text)


VUE = """<template>
  <div>
    <p id="empty" v-if="!msg.payload || msg.payload.length === 0">No sessions yet</p>
    <ul v-else>
      <li v-for="(item, index) in msg.payload" :key="index" :class="{odd: index % 2 === 0}">{{ index }}:{{ item }}</li>
    </ul>
    <p id="count" v-show="count > 0">clicked {{ count }} {{ label }}</p>
    <input id="name" v-model="name">
    <button id="vb" @click="press">Send</button>
    <span id="raw" v-html="msg.topic"></span>
  </div>
</template>
<script>
export default {
  data () { return { count: 0, name: "Ada" } },
  computed: { label () { return this.count === 1 ? "time" : "times" } },
  methods: { press () { this.count++; this.send({ payload: this.name, topic: "vue" }) } }
}
</script>
<style>.odd { font-weight: bold; }</style>"""


def test_dashboard2_template_runs_the_vue_component_parts(page: Any, server: Server) -> None:
    flows = [TAB, *UI,
             widget("vue", "ui-template", "sensors", 1, format=VUE, templateScope="local", passthru=False),
             {"id": "store", "type": "function", "z": "f1", "outputs": 1, "wires": [[]],
              "func": "global.set(msg.topic, msg.payload); return msg;"},
             {"id": "in-list", "type": "inject", "z": "f1", "props": [{"p": "payload"}, {"p": "topic", "vt": "str"}],
              "repeat": "", "once": False, "topic": "<b>t</b>", "payload": '["a","b"]', "payloadType": "json",
              "wires": [["vue"]]}]
    server.deploy(flows)
    wait_served(server, "dashboard/home")
    page.goto(server.base + "dashboard/home")
    cell = page.locator('[data-ui-widget="vue"]')
    expect(cell.locator("#empty")).to_have_text("No sessions yet")
    expect(cell.locator("#count")).to_be_hidden()
    assert httpx.post(server.base + "inject/in-list", timeout=5).status_code == 200
    expect(cell.locator("li")).to_have_text(["0:a", "1:b"])
    expect(cell.locator("li.odd")).to_have_count(1)
    expect(cell.locator("#empty")).to_have_count(0)
    expect(cell.locator("#raw")).to_have_text("<b>t</b>")  # v-html shows message values as text
    cell.locator("#name").fill("Grace")
    cell.locator("#vb").click()
    expect(cell.locator("#count")).to_have_text("clicked 1 time")
    _wait_stored(server, "vue", "Grace")


def test_groups_are_laid_out_like_masonry(page: Any, server: Server) -> None:
    groups = [{"id": f"g{i}", "type": "ui-group", "name": f"G{i}", "page": "home", "width": 6, "order": i,
               "showTitle": True} for i in (1, 2, 3)]
    texts = [widget(f"t{i}", "ui-text", "g1", i, wires=False, label=f"tall {i}") for i in range(8)]
    texts += [widget("s2", "ui-text", "g2", 1, wires=False, label="short"),
              widget("s3", "ui-text", "g3", 1, wires=False, label="short too")]
    server.deploy([TAB, *UI[:4], *groups, *texts])
    page.set_viewport_size({"width": 1280, "height": 900})
    wait_served(server, "dashboard/home")
    page.goto(server.base + "dashboard/home")
    box = {i: page.locator(f'[data-ui-group="g{i}"]') for i in (1, 2, 3)}
    expect(box[3]).to_be_visible()
    expect(page.locator('[data-ui-tab="home"] .ui-groups')).to_have_class(re.compile("ui-masonry"))
    one, two, three = (box[i].bounding_box() for i in (1, 2, 3))
    assert two["x"] > one["x"] + one["width"] - 1  # G2 beside G1
    assert abs(three["x"] - two["x"]) < 1 and three["y"] < one["y"] + one["height"]  # G3 under G2, beside G1
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the groups stack
    expect(page.locator('[data-ui-tab="home"] .ui-groups')).not_to_have_class(re.compile("ui-masonry"))
    one, three = box[1].bounding_box(), box[3].bounding_box()
    assert three["y"] >= one["y"] + one["height"]
