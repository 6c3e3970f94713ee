// The debug sidebar's filter: all nodes, the current tab, the selected nodes, or debug nodes
// picked by name from every tab. The picked set is the filter's own state: switching tabs or
// changing the canvas selection leaves it alone, and it survives redeploys and reloads of the flows.

import { h } from "./dom.js";

export class DebugFilter {
  /** @param {object} app editor context  @param {() => void} onChange re-filter the messages */
  constructor(app, onChange) {
    this.app = app;
    this.onChange = onChange;
    this.chosen = new Set();
    this.select = h("select", { "aria-label": "Show debug messages from", "data-action": "debug-filter" }, [
      h("option", { value: "all", text: "all nodes" }),
      h("option", { value: "tab", text: "current tab" }),
      h("option", { value: "selected", text: "selected nodes" }),
      h("option", { value: "nodes", text: "chosen debug nodes" }),
    ]);
    this.list = h("div", { class: "debug-picker-list", role: "group", "aria-label": "Debug nodes to show" });
    this.picker = h("fieldset", { class: "debug-picker", "data-debug-picker": "", hidden: true }, [
      h("legend", { text: "Show messages of" }),
      this.list,
    ]);
    this.select.addEventListener("change", () => {
      this.picker.hidden = this.select.value !== "nodes";
      if (!this.picker.hidden) this.refresh();
      this.onChange();
    });
    this.list.addEventListener("change", (e) => {
      const box = e.target.closest("input[data-debug-node]");
      if (!box) return;
      if (box.checked) this.chosen.add(box.value);
      else this.chosen.delete(box.value);
      this.onChange();
    });
    app.model.onChange(() => this.queueRefresh());
  }

  get mode() {
    return this.select.value;
  }

  /** Rebuild the list at most once a frame, and only while it is shown. */
  queueRefresh() {
    if (this.picker.hidden || this.refreshQueued) return;
    this.refreshQueued = true;
    requestAnimationFrame(() => {
      this.refreshQueued = false;
      this.refresh();
    });
  }

  /** One checkbox per debug node of the flows (any tab or subflow), labelled with its name and tab. */
  refresh() {
    const { model } = this.app;
    const nodes = model.all().filter((o) => o.type === "debug" && model.isCanvasNode(o));
    const where = (o) => {
      const ws = model.get(o.z);
      return ws ? String(ws.type === "subflow" ? `subflow ${ws.name || ws.id}` : ws.label || ws.id) : String(o.z);
    };
    const keep = this.list.contains(document.activeElement) ? document.activeElement.value : null;
    this.list.replaceChildren(...nodes.map((o) => {
      const box = h("input", { type: "checkbox", value: o.id, "data-debug-node": o.id, checked: this.chosen.has(o.id) });
      return h("label", { class: "debug-picker-item" }, [box, h("span", { text: `${model.labelOf(o)} ` }), h("span", { class: "field-note", text: `(${where(o)})` })]);
    }));
    if (!nodes.length) this.list.append(h("p", { class: "field-note", text: "no debug nodes in the flows" }));
    if (keep) this.list.querySelector(`input[value="${CSS.escape(keep)}"]`)?.focus();
  }

  /** True when a message entry passes the filter. */
  passes(entry) {
    const { view } = this.app;
    const id = entry.dataset.sourceId;
    if (this.mode === "tab") return entry.dataset.z === view.tab;
    if (this.mode === "selected") return view.selection.has(id);
    if (this.mode === "nodes") return this.chosen.has(id);
    return true;
  }
}
