"""Vuetify's overlays and file input in a Dashboard 2 template (Chromium): v-dialog (activator slot,
v-model, persistent, Escape and a click outside), v-menu (activator, items, keys), v-tooltip
(activator="parent" and slot, location) and v-file-input (the chosen file's name, size, type and
content reach the template's code, which sends them). Focus goes in and comes back; message values
show as text."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from playwright.sync_api import expect

from .conftest import Server
from .test_dashboard import stored, wait_served
from .test_dashboard2 import TAB, UI, widget

OVERLAYS = """<template>
  <div>
    <v-dialog v-model="dialog" max-width="400">
      <template v-slot:activator="{ props }">
        <v-btn id="open-dialog" v-bind="props">Edit</v-btn>
      </template>
      <v-card title="Settings">
        <v-card-text><v-text-field id="dlg-name" v-model="name" label="Name" />
          <p id="dlg-msg">{{ msg.payload }}</p>
          <v-menu><template #activator="{ props }"><v-btn id="dlg-menu" v-bind="props">More</v-btn></template>
            <v-list><v-list-item title="One" @click="saved = 'one'" /></v-list></v-menu></v-card-text>
        <v-card-actions><v-btn id="dlg-save" @click="saved = name; dialog = false">Save</v-btn></v-card-actions>
      </v-card>
    </v-dialog>
    <v-dialog persistent>
      <template v-slot:activator="{ props: p }"><v-btn id="open-confirm" v-bind="p">Delete</v-btn></template>
      <template v-slot:default="{ isActive }">
        <v-card text="Sure?"><v-btn id="confirm-no" @click="isActive.value = false">No</v-btn></v-card>
      </template>
    </v-dialog>
    <v-btn id="open-info">Info<v-dialog activator="parent" max-width="300"><v-card id="info-card" text="About" />
      </v-dialog></v-btn>
    <v-menu>
      <template v-slot:activator="{ props }"><v-btn id="open-menu" v-bind="props">Mode</v-btn></template>
      <v-list><v-list-item v-for="m in modes" :key="m" :title="m" @click="mode = m" /></v-list>
    </v-menu>
    <v-btn id="tip-btn">Help<v-tooltip activator="parent" location="bottom">Pumps {{ msg.payload }}</v-tooltip></v-btn>
    <v-tooltip text="Top tip" location="top">
      <template v-slot:activator="{ on, attrs }">
        <span id="tip-span" v-bind="attrs" v-on="on" tabindex="0">?</span></template>
    </v-tooltip>
    <v-file-input id="file" v-model="file" label="Upload" show-size @update:model-value="read" />
    <v-file-input id="files" v-model="files" multiple counter label="Many" />
    <p id="files-info">{{ files.map(f => f.name).join(",") }}</p>
    <p id="saved">{{ saved }}</p><p id="mode">{{ mode }}</p><p id="file-info">{{ info }}</p>
  </div>
</template>
<script>
export default {
  data () { return { dialog: false, name: "", saved: "", modes: ["Auto", "Manual", "Off"], mode: "", file: null,
    files: [], info: "" } },
  methods: {
    async read (f) {
      if (!f) { this.info = ""; return }
      this.info = f.name + " " + f.size + " " + f.type
      this.send({ topic: "file", payload: { name: f.name, text: await f.text() } })
    }
  }
}
</script>"""


def _flows(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [TAB, *UI,
            widget("overlays", "ui-template", "sensors", 1, format=OVERLAYS, templateScope="local", passthru=False),
            {"id": "store", "type": "function", "z": "f1", "outputs": 1, "wires": [[]],
             "func": "global.set(msg.topic, JSON.stringify(msg.payload)); return msg;"},
            {"id": "in-html", "type": "inject", "z": "f1", "props": [{"p": "payload"}], "repeat": "", "once": False,
             "topic": "", "payload": "<b>x</b>", "payloadType": "str", "wires": [["overlays"]]}, *extra]


def _open(page: Any, server: Server) -> Any:
    server.deploy(_flows())
    wait_served(server, "dashboard/home")
    page.goto(server.base + "dashboard/home")
    cell = page.locator('[data-ui-widget="overlays"]')
    expect(cell.locator("#open-dialog")).to_be_visible()
    assert httpx.post(server.base + "inject/in-html", timeout=5).status_code == 200
    return cell


def _focus_inside(page: Any, selector: str) -> bool:
    script = "s => { const d = document.querySelector(s); return !!d && d.contains(document.activeElement) }"
    return bool(page.evaluate(script, selector))


def test_dialog_opens_from_its_activator_and_closes_by_model_escape_and_outside_click(
        page: Any, server: Server) -> None:
    cell = _open(page, server)
    opener = cell.locator("#open-dialog")
    expect(opener).to_have_attribute("aria-haspopup", "dialog")
    expect(opener).to_have_attribute("aria-expanded", "false")
    dialog = page.locator("dialog.v-dialog[open]")
    expect(dialog).to_have_count(0)
    opener.click()
    expect(dialog).to_be_visible()
    expect(dialog.locator(".v-card-title")).to_have_text("Settings")
    expect(dialog.locator("#dlg-msg")).to_have_text("<b>x</b>")  # message values as text
    assert dialog.locator("b").count() == 0
    assert _focus_inside(page, "dialog.v-dialog[open]")  # the focus went into the dialog
    dialog.locator("#dlg-name").fill("Ada")
    dialog.locator("#dlg-save").click()  # v-model = false closes it
    expect(dialog).to_have_count(0)
    expect(cell.locator("#saved")).to_have_text("Ada")
    expect(opener).to_be_focused()  # back to the activator
    expect(opener).to_have_attribute("aria-expanded", "false")

    opener.click()
    expect(dialog).to_be_visible()
    expect(opener).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()
    opener.click()
    expect(dialog).to_be_visible()
    dialog.locator("#dlg-menu").click()  # a menu in the dialog: Escape closes the menu only
    expect(page.locator(".v-menu:popover-open .v-list-item")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator(".v-menu:popover-open")).to_have_count(0)
    expect(dialog.locator("#dlg-menu")).to_be_focused()
    expect(dialog).to_be_visible()
    page.mouse.click(3, 3)  # outside: on the backdrop
    expect(dialog).to_have_count(0)

    opener.click()  # a redeploy that does not change the template leaves the dialog open, modal
    dialog.locator("#dlg-name").fill("Grace")
    server.deploy(_flows(widget("overlay-late", "ui-text", "controls", 1, wires=False, label="Late")))
    expect(page.locator('[data-ui-widget="overlay-late"]')).to_be_attached()
    expect(dialog.locator("#dlg-name")).to_have_value("Grace")
    expect(page.locator("dialog.v-dialog:modal")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    info = cell.locator("#open-info")  # activator="parent": the element it sits in opens it
    expect(info).to_have_text("Info")  # (drawn after the button, not inside it)
    info.click()
    expect(dialog.locator("#info-card")).to_have_text("About")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(info).to_be_focused()

    cell.locator("#open-confirm").click()  # persistent: only its own button closes it
    expect(dialog).to_contain_text("Sure?")
    page.keyboard.press("Escape")
    page.mouse.click(3, 3)
    page.keyboard.press("Escape")
    expect(dialog).to_be_visible()
    dialog.locator("#confirm-no").click()  # the default slot's isActive
    expect(dialog).to_have_count(0)
    expect(cell.locator("#open-confirm")).to_be_focused()


def test_menu_opens_below_its_activator_and_picks_an_item_by_mouse_or_keys(page: Any, server: Server) -> None:
    cell = _open(page, server)
    opener = cell.locator("#open-menu")
    menu = page.locator(".v-menu:popover-open")
    opener.click()
    expect(menu).to_be_visible()
    expect(opener).to_have_attribute("aria-expanded", "true")
    items = menu.locator(".v-list-item")
    expect(items).to_have_text(["Auto", "Manual", "Off"])
    expect(items.first).to_be_focused()
    button, box = opener.bounding_box(), menu.bounding_box()
    assert box["y"] >= button["y"] + button["height"] - 1 and abs(box["x"] - button["x"]) < 2  # below, aligned
    items.nth(2).click()
    expect(menu).to_have_count(0)
    expect(cell.locator("#mode")).to_have_text("Off")

    opener.focus()
    page.keyboard.press("Enter")
    expect(items.first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(items.nth(1)).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_have_count(0)
    expect(cell.locator("#mode")).to_have_text("Manual")
    expect(opener).to_be_focused()

    opener.click()
    expect(menu).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).to_have_count(0)
    expect(opener).to_be_focused()
    opener.click()
    expect(menu).to_be_visible()
    page.mouse.click(3, 3)  # outside
    expect(menu).to_have_count(0)
    opener.click()
    expect(menu).to_be_visible()
    opener.click()  # the activator again closes it
    expect(menu).to_have_count(0)
    expect(cell.locator("#mode")).to_have_text("Manual")

    opener.evaluate("e => { e.style.marginTop = '400px' }")  # no room below the activator: it opens above
    below = opener.bounding_box()
    page.set_viewport_size({"width": 800, "height": int(below["y"] + below["height"] + 40)})
    opener.click()
    expect(menu).to_be_visible()
    button, box = opener.bounding_box(), menu.bounding_box()
    assert box["y"] + box["height"] <= button["y"] + 1, (box, button)


def test_tooltips_show_on_hover_and_focus_where_their_location_says(page: Any, server: Server) -> None:
    cell = _open(page, server)
    button = cell.locator("#tip-btn")
    expect(button).to_have_text("Help")  # the tooltip is not drawn inside the button
    tip_id = button.get_attribute("aria-describedby")
    tip = page.locator(f"#{tip_id}")
    expect(tip).to_have_attribute("role", "tooltip")
    expect(tip).to_be_hidden()
    button.hover()
    expect(tip).to_be_visible()
    expect(tip).to_have_text("Pumps <b>x</b>")  # as text
    assert tip.locator("b").count() == 0
    near, box = button.bounding_box(), tip.bounding_box()
    assert box["y"] >= near["y"] + near["height"] - 1  # location="bottom"
    page.mouse.move(3, 3)
    expect(tip).to_be_hidden()
    cell.locator("#open-menu").hover()  # elsewhere in the template: not its activator
    cell.locator("#file").hover()
    expect(tip).to_be_hidden()

    span = cell.locator("#tip-span")
    top = page.locator(f"#{span.get_attribute('aria-describedby')}")
    span.focus()  # keyboard users see it too (a Vue 2 activator slot: { on, attrs })
    expect(top).to_be_visible()
    expect(top).to_have_text("Top tip")
    near, box = span.bounding_box(), top.bounding_box()
    assert box["y"] + box["height"] <= near["y"] + 1  # location="top"
    page.keyboard.press("Escape")
    expect(top).to_be_hidden()


def test_file_input_gives_the_template_the_chosen_file(page: Any, server: Server) -> None:
    cell = _open(page, server)
    field = cell.locator("input#file")
    expect(field).to_have_attribute("type", "file")
    expect(cell.locator(".v-file-input .v-label")).to_have_text(["Upload", "Many"])
    field.set_input_files(files=[{"name": "notes <1>.txt", "mimeType": "text/plain", "buffer": b"hello\nworld"}])
    expect(cell.locator("#file-info")).to_have_text("notes <1>.txt 11 text/plain")
    expect(cell.locator(".v-file-input__selection").first).to_have_text("notes <1>.txt (11 B)")
    deadline = time.monotonic() + 5
    while (text := stored(server, "file")) is None:
        assert time.monotonic() < deadline, "the template's send did not reach the flow"
        time.sleep(0.05)
    assert json.loads(text) == {"name": "notes <1>.txt", "text": "hello\nworld"}
    field.set_input_files(files=[])
    expect(cell.locator("#file-info")).to_have_text("")
    expect(cell.locator(".v-file-input__selection").first).to_have_text("")

    many = cell.locator("input#files")  # multiple: the model is the list of files
    expect(many).to_have_attribute("multiple", "")
    many.set_input_files(files=[{"name": "a.csv", "mimeType": "text/csv", "buffer": b"1,2"},
                                {"name": "b.csv", "mimeType": "text/csv", "buffer": b"3"}])
    expect(cell.locator("#files-info")).to_have_text("a.csv,b.csv")
    expect(cell.locator(".v-file-input__selection").nth(1)).to_have_text("a.csv, b.csv, 2 files")
