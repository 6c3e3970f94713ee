// The tab bar: flows (tabs) and subflow definitions; add, rename (double-click / F2), delete, switch.

import { ask, clear, h, promptText } from "./dom.js";
import { glyphFor, glyphSvg } from "./icons.js";

export class TabBar {
  /** @param {HTMLElement} root #tabs  @param {object} app editor context */
  constructor(root, app) {
    this.app = app;
    this.root = root;
    this.list = h("div", { class: "tab-list", role: "tablist", "aria-label": "Flows" });
    const add = h("button", { type: "button", class: "tab-add", "data-action": "add-tab", "aria-label": "Add flow tab", text: "+", onclick: () => this.add() });
    root.append(this.list, add);
    this.list.addEventListener("keydown", (e) => {
      const tab = e.target.closest("[data-tab-id]");
      if (!tab) return;
      if (e.key === "F2") this.rename(tab.dataset.tabId);
      else if (e.key === "Delete") this.remove(tab.dataset.tabId);
      else if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
        const tabs = [...this.list.querySelectorAll("[data-tab-id]")];
        const next = tabs[(tabs.indexOf(tab) + (e.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
        this.app.showTab(next.dataset.tabId);
        next.focus();
      }
    });
  }

  render() {
    const { model, view } = this.app;
    clear(this.list);
    const shown = model.get(view.tab);
    document.getElementById("workspace").classList.toggle("workspace-disabled", Boolean(shown && shown.disabled));
    for (const ws of model.workspaces()) {
      const subflow = ws.type === "subflow";
      const label = subflow ? ws.name || ws.id : ws.label || ws.id;
      const active = ws.id === view.tab;
      const tab = h("div", {
        class: `tab${active ? " active" : ""}${subflow ? " tab-subflow" : ""}${ws.disabled ? " tab-disabled" : ""}`,
        "data-tab-id": ws.id,
        role: "tab",
        tabindex: active ? "0" : "-1",
        "aria-selected": String(active),
        title: subflow ? "subflow definition" : "double-click to rename",
      }, [
        // the subflow mark is our own SVG glyph: a "⧉" character shows as an empty box without a font for it
        h("span", { class: "tab-label" }, [subflow ? glyphSvg(glyphFor("", ws, true), 14) : null, label]),
        h("button", { type: "button", class: "tab-close", "data-action": "delete-tab", "aria-label": `Delete ${label}`, text: "×", tabindex: "-1" }),
      ]);
      tab.addEventListener("click", (e) => {
        if (e.target.closest("[data-action='delete-tab']")) this.remove(ws.id);
        else this.app.showTab(ws.id);
      });
      tab.addEventListener("dblclick", () => this.rename(ws.id));
      this.list.append(tab);
    }
  }

  add() {
    const { model, history } = this.app;
    const tab = history.run("add tab", () => model.addTab(`Flow ${model.workspaces().filter((w) => w.type === "tab").length + 1}`));
    this.app.showTab(tab.id);
  }

  async rename(id) {
    const ws = this.app.model.get(id);
    if (!ws) return;
    const label = await promptText("Rename flow", "Name", ws.type === "subflow" ? ws.name : ws.label);
    if (label === null || label === "") return;
    this.app.history.run("rename tab", () => this.app.model.renameTab(id, label));
    this.app.render();
  }

  async remove(id) {
    const { model, history, view } = this.app;
    const ws = model.get(id);
    if (!ws) return;
    // a subflow goes with its instances, listed first (never left behind as unknown nodes)
    if (ws.type === "subflow" && this.app.editing) return this.app.editing.tabMenu.deleteSubflow(id);
    const count = model.all().filter((o) => o.z === id).length;
    if (count) {
      const answer = await ask("Delete flow", `Delete "${ws.label || ws.name || id}" and its ${count} node(s)?`, [
        { label: "Cancel", value: "", action: "cancel" },
        { label: "Delete", value: "delete", action: "confirm-delete", primary: true },
      ]);
      if (answer !== "delete") return;
    }
    history.run("delete tab", () => model.removeNodes([id]));
    if (view.tab === id) {
      const first = model.workspaces().find((w) => w.type === "tab");
      this.app.showTab(first ? first.id : history.run("add tab", () => model.addTab("Flow 1")).id);
    } else this.app.render();
  }
}
