// Info panel (the selected node, or the tab / subflow shown: type, id, properties; an outline of
// every flow to jump around) and help panel (the selected node's or palette entry's help).

import { h } from "./dom.js";
import { show } from "./form-kit.js";
import { propertyList, renderHelp } from "./help-format.js";

const LAYOUT_KEYS = new Set(["id", "type", "x", "y", "z", "wires", "g", "w", "h", "credentials", "_def"]);

function table(rows) {
  return h("table", { class: "info-table" }, rows.map(([k, v]) => h("tr", { "data-info-key": k }, [
    h("th", { text: k }), h("td", { class: typeof v === "string" && v.length > 40 ? "mono" : "", text: v }),
  ])));
}

function valueText(v) {
  const text = show(v);
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

export class InfoPanel {
  constructor(app, el) {
    this.app = app;
    this.el = el;
  }

  /** What the panel describes: the one selected node, else the tab or subflow shown. */
  subject() {
    const { model, view } = this.app;
    if (view.selection.size === 1) return model.get([...view.selection][0]);
    return model.get(view.tab);
  }

  draw() {
    const { model } = this.app;
    const obj = this.subject();
    const parts = [];
    if (obj) {
      const def = model.def(obj);
      const kind = obj.type === "tab" ? "Flow" : obj.type === "subflow" ? "Subflow" : model.isConfig(obj) ? "Config node" : "Node";
      parts.push(h("h3", { text: `${kind}: ${model.labelOf(obj)}` }));
      const rows = [["id", obj.id], ["type", obj.type]];
      if (def && def.module) rows.push(["module", def.module]);
      if (obj.z && obj.type !== "tab") {
        const tab = model.get(obj.z);
        rows.push(["flow", tab ? model.labelOf(tab) : obj.z]);
      }
      if (obj.d) rows.push(["disabled", "yes"]);
      for (const [k, v] of Object.entries(obj)) if (!LAYOUT_KEYS.has(k) && k !== "d") rows.push([k, valueText(v)]);
      parts.push(table(rows));
    }
    parts.push(h("h3", { text: "Outline" }), this.outline());
    this.el.replaceChildren(...parts);
  }

  /** Every tab and subflow with its nodes; a click shows the tab or reveals the node. */
  outline() {
    const { model } = this.app;
    const spaces = model.all().filter((o) => o.type === "tab" || o.type === "subflow");
    const nodesBy = new Map(spaces.map((s) => [s.id, []]));
    for (const o of model.all()) if (o.z && nodesBy.has(o.z) && model.isCanvasNode(o)) nodesBy.get(o.z).push(o);
    const list = h("ul", { class: "outline", "data-outline": "flows" });
    for (const space of spaces) {
      const nodes = nodesBy.get(space.id);
      const head = h("button", {
        type: "button", "data-outline-id": space.id, text: `${space.type === "subflow" ? "subflow: " : ""}${model.labelOf(space)} (${nodes.length})`,
        onclick: () => this.app.showTab(space.id),
      });
      const items = h("ul", { class: "outline" }, nodes.slice(0, 300).map((n) => h("li", {}, [h("button", {
        type: "button", "data-outline-id": n.id, text: `${model.labelOf(n)}${n.name ? ` (${n.type})` : ""}`,
        onclick: () => this.app.reveal(n.id),
      })])));
      if (nodes.length > 300) items.append(h("li", { class: "kit-suffix", text: `… ${nodes.length - 300} more` }));
      list.append(h("li", {}, [head, items]));
    }
    return list;
  }
}

export class HelpPanel {
  constructor(app, el) {
    this.app = app;
    this.el = el;
    this.paletteType = null;
    this.lastSelection = "";
  }

  draw() {
    const { model, view } = this.app;
    const selection = [...view.selection].join(",");
    if (selection !== this.lastSelection) {
      this.lastSelection = selection;
      if (selection) this.paletteType = null;
    }
    let type = this.paletteType;
    if (!type && view.selection.size === 1) {
      const node = model.get([...view.selection][0]);
      type = node && node.type;
    }
    if (!type) {
      this.el.replaceChildren(h("p", { class: "kit-hint", text: "Select a node or a palette entry to see its help." }));
      return;
    }
    const def = model.types.get(type);
    const sf = type.startsWith("subflow:") ? model.get(type.slice(8)) : null;
    const title = sf ? `subflow ${sf.name || sf.id}` : (def && def.label) || type;
    const parts = [h("h3", { text: title, "data-help-type": type })];
    if (def) {
      const facts = [["type", type], ["category", def.category || ""], ["inputs", String(def.inputs ?? "")], ["outputs", String(def.outputs ?? "")]];
      if (def.module) facts.push(["module", def.module]);
      parts.push(table(facts));
    }
    const text = sf ? sf.info || "This subflow has no description." : def && def.help ? def.help : "No help for this node type.";
    parts.push(renderHelp(text));
    const schema = (def && def.schema) || {};
    const props = !sf && typeof schema["x-reference"] !== "string" ? propertyList(schema) : null;
    if (props) parts.push(h("h3", { text: "Properties" }), props);
    const ref = def && (def.docs || def.reference || schema["x-reference"] || schema["x-docs"]);
    // OpenAI operation nodes' help links their reference page itself (### References)
    if (typeof ref === "string" && /^https?:\/\//.test(ref) && !text.includes(ref)) parts.push(h("p", {}, [h("a", { href: ref, target: "_blank", rel: "noopener", text: "API reference" })]));
    this.el.replaceChildren(...parts);
  }
}
