// Quick add: double-click empty canvas (or release a wire on it) to search a type and add it
// there; a wire being dragged is connected to the new node. Recently used types come first.

import { h } from "./dom.js";

const MAX_SHOWN = 12;
const RECENT_KEY = "flowengine.recentTypes";
/** Offered on an empty search after the recently used types (Node-RED's common nodes). */
const COMMON = ["inject", "debug", "function", "change", "switch", "template", "delay", "trigger", "comment", "link in", "link out", "http in", "http response", "http request"];

function loadRecent() {
  try {
    const list = JSON.parse(localStorage.getItem(RECENT_KEY) || "[]");
    return Array.isArray(list) ? list.filter((t) => typeof t === "string").slice(0, 8) : [];
  } catch {
    return [];
  }
}

/**
 * Types for a query, best first: exact then prefix matches of core types (typing "function" +
 * Enter adds a function node), then every other match (word starts before substrings). An empty
 * query lists the recently used types, then the common core nodes.
 */
export function rankTypes(types, query, recent) {
  const q = query.trim().toLowerCase();
  if (!q) {
    const order = [...recent, ...COMMON.filter((t) => !recent.includes(t))];
    return order.map((t) => types.find((x) => x.type === t)).filter(Boolean);
  }
  const words = q.split(/\s+/);
  const score = (t) => {
    const type = t.type.toLowerCase();
    const label = t.label.toLowerCase();
    if (type === q || label === q) return 0;
    if (type.startsWith(q) || label.startsWith(q)) return 1;
    if (t.search.split(/[\s:_-]+/).some((w) => w.startsWith(words[0]))) return 2;
    return 3;
  };
  const seen = (t) => {
    const r = recent.indexOf(t.type);
    return r === -1 ? 100 : r;
  };
  return types.filter((t) => words.every((w) => t.search.includes(w)))
    .map((t) => {
      const s = score(t);
      return { t, tier: t.core && s <= 1 ? s : 2 + s };
    })
    .sort((a, b) => a.tier - b.tier || seen(a.t) - seen(b.t) || a.t.label.length - b.t.label.length || a.t.label.localeCompare(b.t.label))
    .map((x) => x.t);
}

export class QuickAdd {
  constructor(app) {
    this.app = app;
    this.recent = loadRecent();
    this.box = null;
  }

  /** Open at client point (cx, cy); `from` = {src, port} auto-wires the new node. */
  open(cx, cy, from = null) {
    this.close();
    const { model } = this.app;
    const subflows = model.all().filter((o) => o.type === "subflow").map((sf) => ({ type: `subflow:${sf.id}`, label: sf.name || sf.id, category: sf.category || "subflows", inputs: (sf.in || []).length, module: "subflow" }));
    const types = [...[...model.types.values()].filter((d) => !d.config), ...subflows]
      .filter((d) => !from || (d.inputs || 0) > 0)
      .map((d) => ({ type: d.type, label: d.label || d.type, core: d.module !== "openai", search: `${d.type} ${d.label || ""} ${d.category || ""}`.toLowerCase() }));
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
      shown = rankTypes(types, input.value, this.recent).slice(0, MAX_SHOWN);
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
    // Chrome fires blur when close() removes the focused input, and input events run before
    // timers: the deferred close must close this box only, never one opened in between
    input.addEventListener("blur", () => setTimeout(() => {
      if (this.box === box) this.close();
    }, 0));
    draw();
    input.focus();
  }

  pick(type, cx, cy, from) {
    this.close();
    this.recent = [type, ...this.recent.filter((t) => t !== type)].slice(0, 8);
    try {
      localStorage.setItem(RECENT_KEY, JSON.stringify(this.recent));
    } catch (err) {
      console.info("recently used types not kept:", err.message);
    }
    const node = this.app.addNodeAtClient(type, cx, cy, from);
    if (node) this.app.focusNode(node.id);
  }

  close() {
    if (this.box) this.box.remove();
    this.box = null;
  }
}
