// Flow search (ctrl+F): #search finds nodes on every tab and in every subflow by name, label, type,
// id and property values; results are [data-search-result="<id>"]; Enter or a click reveals and
// selects the node. Arrows move through the results, Escape closes.

import { h } from "./dom.js";

const MAX_RESULTS = 50;
const SKIP = new Set(["x", "y", "z", "wires", "g", "w", "h", "credentials"]);

/** Every string, number or boolean value inside `value`, as lower-case text. */
function valuesOf(value, out, depth = 0) {
  if (depth > 6 || value === null || value === undefined) return out;
  if (typeof value === "string") out.push(value.toLowerCase());
  else if (typeof value === "number" || typeof value === "boolean") out.push(String(value));
  else if (Array.isArray(value)) for (const v of value) valuesOf(v, out, depth + 1);
  else if (typeof value === "object") for (const v of Object.values(value)) valuesOf(v, out, depth + 1);
  return out;
}

/** Nodes (on tabs or in subflows) matching every word of `query`, best first. */
export function searchNodes(model, query) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [];
  const hits = [];
  for (const o of model.all()) {
    if (!model.isCanvasNode(o) && !["group", "tab", "subflow"].includes(o.type)) continue;
    const label = (o.type === "subflow" ? String(o.name || "") : model.labelOf(o)).toLowerCase();
    const fields = [label, o.type.toLowerCase(), o.id.toLowerCase()];
    for (const [k, v] of Object.entries(o)) if (!SKIP.has(k)) valuesOf(v, fields);
    if (!words.every((w) => fields.some((f) => f.includes(w)))) continue;
    // rank: name/label match, then type/id, then property values
    const score = words.every((w) => label.includes(w)) ? 0 : words.every((w) => o.type.includes(w) || o.id.includes(w)) ? 1 : 2;
    hits.push({ node: o, score });
  }
  return hits.sort((a, b) => a.score - b.score || model.labelOf(a.node).localeCompare(model.labelOf(b.node))).map((x) => x.node);
}

export class FlowSearch {
  constructor(app) {
    this.app = app;
    this.box = null;
  }

  open() {
    if (this.box) {
      this.input.select();
      return;
    }
    const { app } = this;
    const input = h("input", { type: "search", id: "search", placeholder: "search flows: name, type, id, property value", "aria-label": "Search the flows", autocomplete: "off", "aria-controls": "search-results" });
    const list = h("ul", { id: "search-results", role: "listbox", "aria-label": "Search results" });
    const count = h("div", { class: "search-count", "aria-live": "polite" });
    const box = h("div", { class: "flow-search", role: "search" }, [input, count, list]);
    document.getElementById("workspace").append(box);
    this.box = box;
    this.input = input;
    let results = [];
    let active = 0;
    const draw = () => {
      results = searchNodes(app.model, input.value);
      active = Math.min(active, Math.max(0, results.length - 1));
      count.textContent = input.value.trim() ? `${results.length} match${results.length === 1 ? "" : "es"}` : "";
      list.replaceChildren(...results.slice(0, MAX_RESULTS).map((n, i) => {
        const ws = app.model.get(n.z);
        const where = ws ? (ws.type === "subflow" ? `subflow ${ws.name || ws.id}` : ws.label || ws.id) : "flow";
        const li = h("li", {
          role: "option", "data-search-result": n.id, "aria-selected": String(i === active), class: i === active ? "active" : "",
        }, [h("span", { class: "search-label", text: n.type === "subflow" ? n.name || n.id : app.model.labelOf(n) }), h("span", { class: "search-meta", text: ` ${n.type} · ${where}` })]);
        li.addEventListener("pointerdown", (e) => {
          e.preventDefault();
          this.pick(n.id);
        });
        return li;
      }));
      const current = list.children[active];
      if (current) current.scrollIntoView({ block: "nearest" });
    };
    input.addEventListener("input", () => {
      active = 0;
      draw();
    });
    input.addEventListener("keydown", (e) => {
      const shown = Math.min(results.length, MAX_RESULTS);
      if ((e.key === "ArrowDown" || e.key === "ArrowUp") && shown) {
        e.preventDefault();
        active = (active + (e.key === "ArrowDown" ? 1 : shown - 1)) % shown;
        draw();
      } else if (e.key === "Enter" && results[active]) {
        e.preventDefault();
        this.pick(results[active].id);
      } else if (e.key === "Escape") {
        e.preventDefault();
        this.close();
      }
    });
    input.addEventListener("blur", () => setTimeout(() => {
      if (this.box && !this.box.contains(document.activeElement)) this.close();
    }, 0));
    input.focus();
  }

  /** Reveal and select the node (a group: its members). */
  pick(id) {
    const { app } = this;
    this.close();
    const o = app.model.get(id);
    if (!o) return;
    if (o.type === "tab" || o.type === "subflow") {
      app.showTab(o.id);
      return;
    }
    if (o.type === "group") {
      if (o.z !== app.view.tab) app.showTab(o.z);
      app.view.selection = new Set(o.nodes || []);
      app.selectionChanged();
      return;
    }
    app.reveal(id);
    app.say(`Found ${app.model.labelOf(o)}`);
  }

  close() {
    if (this.box) this.box.remove();
    this.box = null;
  }
}
