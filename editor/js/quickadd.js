// Quick add: double-click empty canvas (or release a wire on it) to search a type and add it
// there; a wire being dragged is connected to the new node. Recently used types come first.

import { h } from "./dom.js";

const MAX_SHOWN = 12;

export class QuickAdd {
  constructor(app) {
    this.app = app;
    this.recent = [];
    this.box = null;
  }

  /** Open at client point (cx, cy); `from` = {src, port} auto-wires the new node. */
  open(cx, cy, from = null) {
    this.close();
    const { model } = this.app;
    const types = [...model.types.values()].filter((d) => !d.config)
      .filter((d) => !from || (d.inputs || 0) > 0)
      .map((d) => ({ type: d.type, label: d.label || d.type, search: `${d.type} ${d.label || ""} ${d.category || ""}`.toLowerCase() }));
    const input = h("input", { type: "search", "aria-label": "Search node type to add", placeholder: "add a node…", autocomplete: "off" });
    const list = h("ul", { class: "quickadd-list", role: "listbox", "aria-label": "Node types" });
    const box = h("div", { class: "quickadd", role: "dialog", "aria-label": "Quick add", "data-quickadd": "" }, [input, list]);
    box.style.left = `${cx}px`;
    box.style.top = `${cy}px`;
    document.body.append(box);
    this.box = box;
    let active = 0;
    let shown = [];
    const draw = () => {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      const rank = (t) => {
        const r = this.recent.indexOf(t.type);
        return r === -1 ? 100 : r;
      };
      shown = types.filter((t) => words.every((w) => t.search.includes(w)))
        .sort((a, b) => rank(a) - rank(b) || a.label.localeCompare(b.label))
        .slice(0, MAX_SHOWN);
      active = Math.min(active, Math.max(0, shown.length - 1));
      list.replaceChildren(...shown.map((t, i) => {
        const li = h("li", { role: "option", "aria-selected": String(i === active), "data-quickadd-type": t.type, class: i === active ? "active" : "" }, [
          h("span", { text: t.label }), h("span", { class: "quickadd-type", text: ` ${t.type}` }),
        ]);
        li.addEventListener("pointerdown", (e) => {
          e.preventDefault();
          this.pick(t.type, cx, cy, from);
        });
        return li;
      }));
    };
    input.addEventListener("input", () => {
      active = 0;
      draw();
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        active = (active + (e.key === "ArrowDown" ? 1 : shown.length - 1)) % Math.max(1, shown.length);
        draw();
      } else if (e.key === "Enter" && shown[active]) {
        e.preventDefault();
        this.pick(shown[active].type, cx, cy, from);
      } else if (e.key === "Escape") {
        e.preventDefault();
        this.close();
      }
    });
    input.addEventListener("blur", () => setTimeout(() => this.close(), 0));
    draw();
    input.focus();
  }

  pick(type, cx, cy, from) {
    this.close();
    this.recent = [type, ...this.recent.filter((t) => t !== type)].slice(0, 8);
    const node = this.app.addNodeAtClient(type, cx, cy, from);
    if (node) this.app.focusNode(node.id);
  }

  close() {
    if (this.box) this.box.remove();
    this.box = null;
  }
}
