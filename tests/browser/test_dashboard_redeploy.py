"""A redeploy that does not touch a widget leaves it as it is on the open page (Chromium): a Dashboard 2
template keeps its component's data and what the user typed, a Dashboard 1 template its scope (a
global one stays without its script running again), the plain widgets their values; a template
whose node changed is drawn anew with fresh data."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from . import test_dashboard as d1
from . import test_dashboard2 as d2
from .conftest import Server

COUNTER = """<template>
  <div>
    <h3 id="title">{{ title }}</h3>
    <input id="name" v-model="name">
    <button id="more" @click="clicks++">More</button>
    <p id="state">{{ name }}/{{ clicks }}/{{ inputs }}</p>
  </div>
</template>
<script>
export default {
  data () { return { title: "TITLE", name: "", clicks: 0, inputs: 0 } },
  watch: { msg () { this.inputs++ } }
}
</script>"""


def _inject(node_id: str, payload: str, wires: list[str]) -> dict[str, Any]:
    """Fired by the test only: a redeploy sends no message of its own."""
    return {"id": node_id, "type": "inject", "z": "f1", "props": [{"p": "payload"}], "repeat": "", "once": False,
            "topic": "", "payload": payload, "payloadType": "str", "wires": [wires]}


def _fire(server: Server, node_id: str) -> None:
    assert httpx.post(server.base + f"inject/{node_id}", timeout=5).status_code == 200


def _d2_flows(title: str = "v1", extra: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    return [d2.TAB, *d2.UI,
            d2.widget("keep-vue", "ui-template", "sensors", 1, wires=False, templateScope="local",
                      format=COUNTER.replace("TITLE", title)),
            d2.widget("keep-text", "ui-text", "sensors", 2, wires=False, label="Level", format="{{msg.payload}}"),
            d2.widget("keep-switch", "ui-switch", "controls", 1, wires=False, label="Pump", passthru=False,
                      topic="keep-switch", topicType="str", onvalue="ON", onvalueType="str", offvalue="OFF",
                      offvalueType="str"),
            _inject("keep-in-level", "42", ["keep-text", "keep-vue"]),
            *(extra or [])]


def _late(make: Any, group: str) -> dict[str, Any]:
    """A widget added by the second deploy: once it shows, the page has the new layout."""
    return make("keep-late", "ui-text" if make is d2.widget else "ui_text", group, 9, wires=False, label="Late",
                format="keep-late")


def test_dashboard2_template_keeps_its_data_across_a_redeploy_elsewhere(page: Any, server: Server) -> None:
    server.deploy(_d2_flows())
    d1.wait_served(server, "dashboard/home")
    page.goto(server.base + "dashboard/home")
    expect(page.locator('[data-ui-widget="keep-switch"]')).to_be_visible()
    _fire(server, "keep-in-level")
    cell = page.locator('[data-ui-widget="keep-vue"]')
    text = page.locator('[data-ui-widget="keep-text"]')
    switch = page.locator('[data-ui-widget="keep-switch"]')
    expect(cell.locator("#state")).to_have_text("/0/1")  # the injected message reached it once
    expect(text).to_have_attribute("data-value", '"42"')
    cell.locator("#name").fill("Ada")
    cell.locator("#more").click()
    cell.locator("#more").click()
    switch.locator("input").click()
    expect(switch).to_have_attribute("data-value", "true")
    expect(cell.locator("#state")).to_have_text("Ada/2/1")

    server.deploy(_d2_flows(extra=[_late(d2.widget, "controls")]))  # a change elsewhere in the flow
    expect(page.locator('[data-ui-widget="keep-late"]')).to_be_visible()
    expect(cell.locator("#state")).to_have_text("Ada/2/1")  # data kept; the replayed message is no news
    expect(cell.locator("#name")).to_have_value("Ada")
    expect(text).to_have_attribute("data-value", '"42"')
    expect(text).to_contain_text("42")
    expect(switch).to_have_attribute("data-value", "true")
    cell.locator("#more").click()  # still working
    expect(cell.locator("#state")).to_have_text("Ada/3/1")

    server.deploy(_d2_flows(title="v2", extra=[_late(d2.widget, "controls")]))  # the template itself changed
    expect(cell.locator("#title")).to_have_text("v2")
    expect(cell.locator("#state")).to_have_text("/0/1")  # mounted anew: fresh data, the last message shown
    expect(cell.locator("#name")).to_have_value("")
    expect(text).to_have_attribute("data-value", '"42"')


SCOPED = ("<input id='note'><button id='add' ng-click='scope.add()'>+</button><b id='n'>0</b>"
          "<i id='seen'></i><script>scope.n = 0; scope.seen = 0;"
          "scope.add = function () { scope.n += 1; document.getElementById('n').textContent = String(scope.n); };"
          "scope.$watch('msg', function (m) { if (m) { scope.seen += 1;"
          " document.getElementById('seen').textContent = m.payload + ' x' + scope.seen; } });</script>")


def _d1_flows(mark: str = "", extra: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    runs = "<script>window.keepGlobalRuns = (window.keepGlobalRuns || 0) + 1;</script>"
    return [d1.TAB, *d1.UI,
            {"id": "keep-global", "type": "ui_template", "z": "f1", "templateScope": "global", "wires": [],
             "format": f"<style data-mark='{'v2' if mark else 'v1'}'>.keep-global {{ color: red; }}</style>{runs}"},
            d1.widget("keep-tpl", "ui_template", "sensors", 1, wires=False, templateScope="local",
                      format=SCOPED + mark),
            d1.widget("keep-slider", "ui_slider", "controls", 1, wires=False, label="Speed", min=0, max=10, step=1,
                      outs="end", passthru=False, topic="keep-slider", topicType="str"),
            _inject("keep-in-note", "hello", ["keep-tpl"]),
            *(extra or [])]


def test_dashboard1_template_keeps_its_scope_across_a_redeploy_elsewhere(page: Any, server: Server) -> None:
    server.deploy(_d1_flows())
    d1.open_dashboard(page, server)
    expect(page.locator('[data-ui-widget="keep-slider"]')).to_be_visible()
    _fire(server, "keep-in-note")
    cell = page.locator('[data-ui-widget="keep-tpl"]')
    slider = page.locator('[data-ui-widget="keep-slider"]')
    expect(cell.locator("#seen")).to_have_text("hello x1")
    cell.locator("#note").fill("typed")
    cell.locator("#add").click()
    expect(cell.locator("#n")).to_have_text("1")
    slider.locator("input").fill("7")
    expect(slider).to_have_attribute("data-value", "7")
    runs = page.evaluate("window.keepGlobalRuns")  # the global template's script ran (once per drawing)
    assert runs >= 1

    server.deploy(_d1_flows(extra=[_late(d1.widget, "controls")]))
    expect(page.locator('[data-ui-widget="keep-late"]')).to_be_visible()
    expect(cell.locator("#note")).to_have_value("typed")
    expect(cell.locator("#seen")).to_have_text("hello x1")  # its $watch saw no new message
    cell.locator("#add").click()
    expect(cell.locator("#n")).to_have_text("2")  # the scope's own count went on
    expect(slider).to_have_attribute("data-value", "7")
    expect(slider.locator("input")).to_have_value("7")
    assert page.evaluate("window.keepGlobalRuns") == runs  # the global template was left as it is

    server.deploy(_d1_flows(mark="<u id='v2'>v2</u>", extra=[_late(d1.widget, "controls")]))
    expect(cell.locator("#v2")).to_have_text("v2")  # its HTML changed: drawn anew with a new scope
    expect(cell.locator("#n")).to_have_text("0")
    expect(cell.locator("#note")).to_have_value("")
    expect(cell.locator("#seen")).to_have_text("hello x1")
    expect(page.locator("head style[data-mark]")).to_have_attribute("data-mark", "v2")
    assert page.evaluate("window.keepGlobalRuns") == runs + 1  # changed: drawn (and run) anew, once
    _fire(server, "keep-in-note")
    expect(cell.locator("#seen")).to_have_text("hello x2")
