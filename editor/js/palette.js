// The palette: node types grouped by category, a filter box, pointer drag or Enter to add a node.

import { clear, h } from "./dom.js";
import { glyphFor, glyphSvg } from "./icons.js";

const CORE_ORDER = ["common", "function", "sequence", "network", "parser", "storage", "config"];

export class Palette {
  /** @param {HTMLElement} root #palette  @param {object} app editor context */
  constructor(root, app) {
    this.app = app;
    this.root = root;
    this.filter = h("input", {
      type: "search",
      id: "palette-filter",
      placeholder: "filter nodes",
      title: "Filter node types; Enter adds the first match, Down goes to the list",
      "aria-label": "Filter node types",
      autocomplete: "off",
    });
    this.filter.addEventListener("input", () => this.applyFilter());
    // Enter in the filter adds the first match; arrows walk the visible entries.
    this.filter.addEventListener("keydown", (e) => {
      const first = this.visibleEntries()[0];
      if (e.key === "Enter" && first) {
        e.preventDefault();
        this.app.addNodeAtCentre(first.dataset.paletteType);
      } else if (e.key === "ArrowDown" && first) {
        e.preventDefault();
        first.focus();
      }
    });
    /** Groups ("origin:category") the user folded; kept across palette rebuilds and filtering. */
    this.folded = new Set();
    this.list = h("div", { class: "palette-list" });
    this.empty = h("p", { class: "palette-empty", text: "No node type matches.", hidden: true });
    root.append(this.filter, this.list, this.empty);
    this.list.addEventListener("pointerdown", (e) => this.dragStart(e));
    this.list.addEventListener("keydown", (e) => {
      const item = e.target.closest("[data-palette-type]");
      if (item && (e.key === "Enter" || e.key === " ")) {
        e.preventDefault();
        this.app.addNodeAtCentre(item.dataset.paletteType);
      } else if (item && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
        e.preventDefault();
        const entries = this.visibleEntries();
        const next = entries.indexOf(item) + (e.key === "ArrowDown" ? 1 : -1);
        if (next < 0) this.filter.focus();
        else entries[Math.min(next, entries.length - 1)].focus();
      }
    });
  }

  /** (Re)build the palette from the node types and subflow definitions. */
  render() {
    const { model } = this.app;
    const groups = new Map();
    for (const def of model.types.values()) {
      if (def.config) continue;
      const key = `${def.module === "openai" ? "openai" : "core"}\u0000${def.category || "other"}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push({ type: def.type, label: def.label || def.type, color: def.color, help: def.help, icon: def.icon, category: def.category });
    }
    // subflows go under their own category (Node-RED's "subflows" when none is set)
    for (const sf of model.all().filter((o) => o.type === "subflow")) {
      const key = `core\u0000${sf.category || "subflows"}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push({ type: `subflow:${sf.id}`, label: sf.name || sf.id, color: sf.color || "#ddd", help: sf.info, icon: sf.icon, subflow: true });
    }
    const keys = [...groups.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    clear(this.list);
    let openaiHeader = false;
    for (const key of keys) {
      const [origin, category] = key.split("\u0000");
      if (origin === "openai" && !openaiHeader) {
        openaiHeader = true;
        this.list.append(this.openaiToggle());
      }
      const items = groups.get(key).sort((a, b) => a.label.localeCompare(b.label));
      const title = origin === "openai" && !category.toLowerCase().startsWith("openai") ? `OpenAI ${category}` : category;
      // Shown as Node-RED does ("_" as spaces) with the brand spelled "OpenAI" (CSS capitalizes words).
      const heading = title.replace(/_/g, " ").replace(/^openai\b/i, "OpenAI");
      const group = `${origin}:${category}`;
      const summary = h("summary", { text: `${heading} (${items.length})` });
      const section = h("details", { class: `palette-group palette-${origin}`, open: !this.folded.has(group), "data-category": category }, [
        summary,
        ...items.map((it) => this.entry(it, title)),
      ]);
      section.dataset.group = group;
      // Remember what the user folds; a filter opens groups only for as long as it is typed. The
      // click (mouse, Enter or Space) decides, not the "toggle" event: that one is queued and read
      // later, when a filter typed meanwhile may already have reopened the group, so a fold was lost.
      summary.addEventListener("click", (e) => {
        if (this.filtering()) return;
        e.preventDefault();
        if (this.folded.has(group)) this.folded.delete(group);
        else this.folded.add(group);
        section.open = !this.folded.has(group);
        this.syncFoldButton();
      });
      this.list.append(section);
    }
    this.applyFilter();
    this.syncFoldButton();
  }

  /** One button that folds every OpenAI group at once (or unfolds them when all are folded). */
  openaiToggle() {
    this.foldButton = h("button", { type: "button", class: "small palette-fold", "data-action": "fold-openai" });
    this.foldButton.addEventListener("click", () => {
      const sections = [...this.list.querySelectorAll(".palette-openai")];
      const open = sections.every((d) => this.folded.has(d.dataset.group));
      for (const d of sections) {
        if (open) this.folded.delete(d.dataset.group);
        else this.folded.add(d.dataset.group);
        d.open = open;
      }
      this.syncFoldButton();
    });
    return h("div", { class: "palette-fold-row" }, [this.foldButton]);
  }

  /** The fold button offers to collapse while any OpenAI group is unfolded, else to expand. */
  syncFoldButton() {
    if (!this.foldButton || !this.foldButton.isConnected) return;
    const sections = [...this.list.querySelectorAll(".palette-openai")];
    const open = sections.some((d) => !this.folded.has(d.dataset.group));
    this.foldButton.setAttribute("aria-expanded", String(open));
    this.foldButton.textContent = open ? "collapse OpenAI groups" : "expand OpenAI groups";
  }

  filtering() {
    return this.filter.value.trim() !== "";
  }

  entry(it, category = "") {
    const el = h("div", {
      class: "palette-node",
      "data-palette-type": it.type,
      tabindex: "0",
      role: "button",
      title: it.type,
      "aria-label": `Add ${it.label} node (${it.type})`,
    }, [h("span", { class: "palette-swatch" }, [glyphSvg(glyphFor(it.type, it, Boolean(it.subflow)))]), h("span", { class: "palette-label", text: it.label })]);
    el.querySelector(".palette-swatch").style.background = it.color || "#ddd";
    el.dataset.search = `${it.type} ${it.label} ${category}`.toLowerCase();
    return el;
  }

  /** Palette entries a user can see now (not filtered out, group unfolded). */
  visibleEntries() {
    return [...this.list.querySelectorAll("[data-palette-type]")].filter((el) => !el.hidden && !el.closest("[hidden]") && el.closest("details").open);
  }

  applyFilter() {
    const words = this.filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const section of this.list.children) {
      if (section.tagName !== "DETAILS") {
        section.hidden = words.length > 0;
        continue;
      }
      let count = 0;
      for (const item of section.querySelectorAll("[data-palette-type]")) {
        const hit = words.every((w) => item.dataset.search.includes(w));
        item.hidden = !hit;
        if (hit) count += 1;
      }
      section.hidden = count === 0;
      if (!words.length) section.open = !this.folded.has(section.dataset.group);
      else if (count) section.open = true;
      shown += count;
    }
    this.empty.hidden = shown > 0;
  }

  dragStart(e) {
    const item = e.target.closest("[data-palette-type]");
    if (!item || e.button !== 0) return;
    e.preventDefault();
    const type = item.dataset.paletteType;
    const ghost = h("div", { class: "palette-ghost", text: item.textContent, "aria-hidden": "true" });
    ghost.style.background = item.querySelector(".palette-swatch").style.background;
    document.body.append(ghost);
    const place = (ev) => {
      ghost.style.left = `${ev.clientX + 4}px`;
      ghost.style.top = `${ev.clientY + 4}px`;
    };
    place(e);
    const start = { x: e.clientX, y: e.clientY };
    const onMove = (ev) => place(ev);
    const onUp = (ev) => {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      window.removeEventListener("pointercancel", onCancel);
      ghost.remove();
      if (Math.hypot(ev.clientX - start.x, ev.clientY - start.y) < 3) {
        item.focus();
        return;
      }
      const r = this.app.canvas.svg.getBoundingClientRect();
      if (ev.clientX >= r.left && ev.clientX <= r.right && ev.clientY >= r.top && ev.clientY <= r.bottom) {
        const node = this.app.addNodeAtClient(type, ev.clientX, ev.clientY);
        // keyboard focus leaves the filter (Delete then acts on the node), without panning the view
        const el = node && this.app.canvas.nodeElement(node.id);
        if (el) this.app.interaction.focusFromPointer(el);
      }
    };
    const onCancel = () => {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      window.removeEventListener("pointercancel", onCancel);
      ghost.remove();
    };
    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
    window.addEventListener("pointercancel", onCancel);
  }
}

function rank(key) {
  const [origin, category] = key.split("\u0000");
  if (origin === "openai") return 100;
  const i = CORE_ORDER.indexOf(category);
  return i === -1 ? (category === "subflows" ? 50 : 20) : i;
}
