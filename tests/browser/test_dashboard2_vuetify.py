"""Dashboard 2 templates with Vuetify components in Chromium: the components draw as working
widgets (text field, switch, slider, select, button, chips, alert, progress, table, tabs), v-model
and events reach the component's code, what it sends reaches the flow, and a redraw (typing, a
message arriving) keeps the focus and the text of the input the user is typing in."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from playwright.sync_api import expect

from .conftest import Server
from .test_dashboard import stored, wait_served
from .test_dashboard2 import TAB, UI, widget

VUETIFY = """<template>
  <v-card title="Pump" :subtitle="'State: ' + state">
    <v-card-text>
      <v-text-field v-model="name" label="Name" id="name" @keyup.enter="save" />
      <v-switch v-model="on" label="Enabled" color="primary" />
      <v-slider v-model="level" :min="0" :max="10" :step="1" label="Level" thumb-label />
      <v-select v-model="mode" :items="[{title: 'Automatic', value: 'auto'}, {title: 'Manual', value: 'manual'}]"
        label="Mode" />
      <v-chip v-for="tag in msg.payload?.tags || []" :key="tag" color="green">{{ tag }}</v-chip>
      <v-progress-linear :model-value="progress" color="orange" />
      <v-alert v-if="msg.payload?.alarm" type="error" :text="msg.payload.alarm" />
      <v-table><thead><tr><th>Key</th></tr></thead>
        <tbody><tr v-for="k in Object.keys(msg.payload || {})" :key="k"><td>{{ k }}</td></tr></tbody></v-table>
      <v-tabs v-model="tab"><v-tab value="one">One</v-tab><v-tab value="two">Two</v-tab></v-tabs>
      <v-window v-model="tab"><v-window-item value="one">first</v-window-item>
        <v-window-item value="two">second</v-window-item></v-window>
      <v-data-table :items="rows" :headers="[{ title: 'Room', key: 'room' }, { title: 'Temp', key: 't' }]"
        @click:row="(e, { item }) => picked = item.room" />
      <p id="typed">{{ typed }}</p><p id="picked">{{ picked }}</p><p id="inputs">{{ inputs }}</p>
    </v-card-text>
    <v-card-actions>
      <v-spacer />
      <v-btn id="save" v-bind="saveProps" @click="save" prepend-icon="mdi-content-save">Save</v-btn>
    </v-card-actions>
  </v-card>
</template>
<script>
export default {
  data () {
    return { name: "", on: false, level: 3, mode: "auto", typed: 0, tab: "one", picked: "", inputs: 0,
      rows: [{ room: "hall", t: 20 }, { room: "attic", t: 25 }],
      saveProps: { color: "primary", title: "Save the settings" } }
  },
  computed: { state () { return this.on ? "on" : "off" }, progress () { return this.level * 10 } },
  watch: { name () { this.typed++ } },
  mounted () { this.$socket.on("msg-input:" + this.id, () => { this.inputs++ }) },
  methods: {
    save () {
      this.send({ topic: "vuetify", payload: { name: this.name, on: this.on, level: this.level, mode: this.mode } })
    }
  }
}
</script>
<style scoped>.v-card { border: 1px solid rgb(1, 2, 3); }</style>"""


def _flows(template: str) -> list[dict[str, Any]]:
    return [TAB, *UI,
            widget("vue", "ui-template", "sensors", 1, format=template, templateScope="local", passthru=False),
            widget("plain", "ui-text", "sensors", 2, wires=False, label="Plain", format="{{msg.payload}}"),
            {"id": "store", "type": "function", "z": "f1", "outputs": 1, "wires": [[]],
             "func": "global.set(msg.topic, JSON.stringify(msg.payload)); return msg;"},
            {"id": "in-state", "type": "inject", "z": "f1", "props": [{"p": "payload"}], "repeat": "", "once": False,
             "topic": "", "payload": '{"tags": ["hot", "wet"], "alarm": "Pump fault"}', "payloadType": "json",
             "wires": [["vue"]]}]


def _wait_json(server: Server, key: str) -> Any:
    deadline = time.monotonic() + 5
    while (text := stored(server, key)) is None:
        assert time.monotonic() < deadline, f"nothing stored under {key}"
        time.sleep(0.05)
    return json.loads(text)


def test_vuetify_components_work_and_typing_keeps_focus(page: Any, server: Server, shot: Any) -> None:
    server.deploy(_flows(VUETIFY))
    wait_served(server, "dashboard/home")
    page.goto(server.base + "dashboard/home")
    # the last widget is there: the layout is complete (a later one would draw the template anew)
    expect(page.locator('[data-ui-widget="plain"]')).to_be_visible()
    cell = page.locator('[data-ui-widget="vue"]')
    expect(cell.locator(".v-card-title")).to_have_text("Pump")
    expect(cell.locator(".v-card-subtitle")).to_have_text("State: off")
    expect(cell.locator(".v-window-item", has_text="first")).to_be_visible()
    expect(cell.locator(".v-window-item", has_text="second")).to_be_hidden()

    name = cell.locator("input#name")
    name.click()
    page.keyboard.type("Grace Hopper")  # every key redraws the component (the watcher counts them)
    expect(cell.locator("#typed")).to_have_text("12")
    expect(name).to_have_value("Grace Hopper")
    expect(name).to_be_focused()
    assert httpx.post(server.base + "inject/in-state", timeout=5).status_code == 200
    expect(cell.locator(".v-chip")).to_have_text(["hot", "wet"])  # the message redraws it...
    expect(cell.locator("#inputs")).to_have_text("1")  # and reaches $socket.on("msg-input:" + id)
    expect(cell.locator(".v-alert")).to_contain_text("Pump fault")
    expect(cell.locator(".v-table:not(.v-data-table) td")).to_have_text(["tags", "alarm"])
    expect(name).to_be_focused()  # ...and the input keeps the focus and the text
    page.keyboard.type("!")
    expect(name).to_have_value("Grace Hopper!")

    cell.locator(".v-switch input").click()
    expect(cell.locator(".v-card-subtitle")).to_have_text("State: on")
    cell.locator(".v-slider input").fill("7")
    expect(cell.locator(".v-slider__value")).to_have_text("7")
    expect(cell.locator(".v-progress-linear")).to_have_attribute("aria-valuenow", "70")
    cell.locator(".v-select select").select_option(label="Manual")
    cell.locator(".v-tab", has_text="Two").click()
    expect(cell.locator(".v-data-table th")).to_have_text(["Room", "Temp"])
    cell.locator(".v-data-table td", has_text="attic").click()
    expect(cell.locator("#picked")).to_have_text("attic")
    expect(cell.locator("#save")).to_have_attribute("title", "Save the settings")  # v-bind="object"
    expect(cell.locator(".v-window-item", has_text="second")).to_be_visible()
    shot(page, "dashboard2-vuetify")
    cell.locator("#save").click()
    assert _wait_json(server, "vuetify") == {"name": "Grace Hopper!", "on": True, "level": 7, "mode": "manual"}
    border = cell.locator(".v-card").evaluate("e => getComputedStyle(e).borderTopColor")
    assert border == "rgb(1, 2, 3)"  # the scoped style applies inside the widget...
    plain = page.locator('[data-ui-widget="plain"]').evaluate("e => getComputedStyle(e).borderTopColor")
    assert plain != "rgb(1, 2, 3)"


WILD_SETPOINT = """<template>
  <div class="term-card">
    <button class="btn" @click="stepDown" :disabled="local <= min">-</button>
    <input class="term-input" type="text" :value="displayText" @input="onType($event.target.value)"
      @keydown.enter.prevent="commit" />
    <svg class="icon" viewBox="0 0 10 10"><circle :cx="5" :cy="5" :r="local > 60 ? 4 : 2" /></svg>
  </div>
</template>
<script>
export default {
  data () { return { min: 57, max: 80, local: 65, displayText: "65.0" } },
  watch: { msg: { immediate: true, handler () { const n = Number(this.msg?.payload); if (Number.isFinite(n)) {
    this.local = n; this.displayText = n.toFixed(1) } } } },
  methods: {
    stepDown () { this.local -= 0.5; this.displayText = this.local.toFixed(1); this.send({ payload: this.local }) },
    onType (txt) { this.displayText = String(txt).replace(/[^0-9.]/g, "") },
    commit () { this.local = Number(this.displayText); this.displayText = this.local.toFixed(1);
      this.send({ topic: "setpoint", payload: this.local }) }
  }
}
</script>"""


def test_a_wild_template_types_commits_and_draws_svg(page: Any, server: Server) -> None:
    """The pattern of a real flow's setpoint template: :value + @input, Enter commits, SVG bound."""
    server.deploy(_flows(WILD_SETPOINT))
    wait_served(server, "dashboard/home")
    page.goto(server.base + "dashboard/home")
    # the last widget is there: the layout is complete (a later one would draw the template anew)
    expect(page.locator('[data-ui-widget="plain"]')).to_be_visible()
    cell = page.locator('[data-ui-widget="vue"]')
    field = cell.locator(".term-input")
    expect(field).to_have_value("65.0")
    circle = cell.locator("svg circle")
    expect(circle).to_have_attribute("r", "4")
    assert circle.evaluate("e => e.namespaceURI") == "http://www.w3.org/2000/svg"
    assert circle.evaluate("e => e.getBBox().width") > 0  # drawn as SVG, not as an unknown HTML element
    field.fill("")
    field.click()
    page.keyboard.type("5x9")  # the filter drops the x; the field keeps the focus
    expect(field).to_have_value("59")
    expect(field).to_be_focused()
    page.keyboard.press("Enter")
    _wait = _wait_json(server, "setpoint")
    assert _wait == 59
    expect(field).to_have_value("59.0")
    expect(circle).to_have_attribute("r", "2")
