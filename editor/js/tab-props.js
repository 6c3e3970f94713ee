// Flow tab properties (name, enabled, description, environment) and the tab bar's context menu:
// right-click (or the Menu key) on a tab offers its properties, enable/disable and delete; on a
// subflow tab, edit and delete the subflow.

import { ask, h } from "./dom.js";
import { envEditor } from "./env-editor.js";
import { openSubflowDialog } from "./subflow-dialog.js";
import { deleteSubflow, instancesOf } from "./subflows.js";

export class TabMenu {
  /** @param {object} app  @param {import("./contextmenu.js").ContextMenu} menu */
  constructor(app, menu) {
    this.app = app;
    this.menu = menu;
    document.getElementById("tabs").addEventListener("contextmenu", (e) => {
      const tab = e.target.closest("[data-tab-id]");
      if (!tab) return;
      e.preventDefault();
      const r = tab.getBoundingClientRect();
      const keyboard = e.clientX === 0 && e.clientY === 0;
      this.open(tab.dataset.tabId, keyboard ? r.left : e.clientX, keyboard ? r.bottom : e.clientY);
    });
    document.getElementById("tabs").addEventListener("keydown", (e) => this.keydown(e));
  }

  /** Shift+F10 or the Menu key on a focused tab. */
  keydown(e) {
    const tab = e.target.closest && e.target.closest("[data-tab-id]");
    if (!tab || (e.key !== "ContextMenu" && !(e.shiftKey && e.key === "F10"))) return;
    e.preventDefault();
    const r = tab.getBoundingClientRect();
    this.open(tab.dataset.tabId, r.left, r.bottom);
  }

  open(id, x, y) {
    const ws = this.app.model.get(id);
    if (!ws) return;
    const entries = ws.type === "subflow" ? [
      { action: "edit-subflow", label: "Edit subflow…", enabled: true, run: () => openSubflowDialog(this.app, id) },
      { action: "delete-subflow", label: "Delete subflow…", enabled: true, run: () => this.deleteSubflow(id) },
    ] : [
      { action: "tab-properties", label: "Properties…", enabled: true, run: () => this.properties(id) },
      { action: "toggle-tab-disabled", label: ws.disabled ? "Enable flow" : "Disable flow", enabled: true, run: () => this.toggle(id) },
      { action: "delete-tab", label: "Delete flow…", enabled: true, run: () => this.app.tabs.remove(id) },
    ];
    this.menu.openList(x, y, entries);
  }

  toggle(id) {
    const { app } = this;
    const ws = app.model.get(id);
    app.history.run(ws.disabled ? "enable flow" : "disable flow", () => {
      ws.disabled = !ws.disabled;
      app.model._changed("tabs", [id]);
    });
    app.say(`Flow ${ws.label || id} ${ws.disabled ? "disabled" : "enabled"}`);
  }

  /** Delete a subflow after listing the instances that go with it. */
  async deleteSubflow(id) {
    const { app } = this;
    const sf = app.model.get(id);
    const used = instancesOf(app.model, id);
    const where = used.map((n) => `${app.model.labelOf(n)} on ${app.model.labelOf(app.model.get(n.z) || { type: "tab", id: n.z })}`);
    const text = used.length
      ? `Delete subflow "${sf.name || id}"? Its ${used.length} instance${used.length === 1 ? "" : "s"} will be deleted with it: ${where.join("; ")}.`
      : `Delete subflow "${sf.name || id}"? No node uses it.`;
    const answer = await ask("Delete subflow", text, [
      { label: "Cancel", value: "", action: "cancel" },
      { label: "Delete", value: "delete", action: "confirm-delete", primary: true },
    ]);
    if (answer !== "delete") return;
    app.history.run("delete subflow", () => deleteSubflow(app.model, id));
    if (app.view.tab === id || !app.model.get(app.view.tab)) app.showTab(app.model.workspaces()[0]?.id);
    else app.render();
    app.palette.render();
    app.say(`Deleted subflow ${sf.name || id}${used.length ? ` and ${used.length} instance${used.length === 1 ? "" : "s"}` : ""}`, true);
  }

  properties(id) {
    const { app } = this;
    const ws = app.model.get(id);
    const name = h("input", { type: "text", name: "label", value: ws.label || "" });
    const enabled = h("input", { type: "checkbox", name: "enabled", checked: !ws.disabled });
    const info = h("textarea", { name: "info", rows: 4, value: ws.info || "" });
    const env = envEditor(ws.env);
    const error = h("div", { class: "field-error", role: "alert" });
    const form = h("form", { method: "dialog", id: "tab-form" }, [
      h("h2", { text: "Flow properties" }),
      h("label", { class: "group-field" }, [h("span", { text: "Name" }), name]),
      h("label", { class: "group-field" }, [enabled, h("span", { text: " enabled" })]),
      h("label", { class: "group-field" }, [h("span", { text: "Description" }), info]),
      h("h3", { text: "Environment variables" }),
      env.el, error,
      h("div", { class: "dialog-buttons" }, [
        h("button", { type: "button", text: "Cancel", "data-action": "tab-cancel", onclick: () => dialog.close() }),
        h("button", { type: "submit", class: "primary", "data-action": "tab-done", text: "Done" }),
      ]),
    ]);
    const dialog = h("dialog", { id: "tab-dialog", "aria-label": "Flow properties" }, [form]);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      let list;
      try {
        list = env.read();
      } catch (err) {
        error.textContent = err.message;
        return;
      }
      app.history.run("flow properties", () => {
        const cur = app.model.get(id);
        cur.label = name.value.trim() || cur.label;
        cur.disabled = !enabled.checked;
        cur.info = info.value;
        cur.env = list;
        app.model._changed("tabs", [id]);
      });
      dialog.close();
    });
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
    name.focus();
  }
}
