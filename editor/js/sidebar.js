// The sidebar beside the canvas: tab buttons [data-sidebar-tab] switch between the debug panel
// (#debug) and the info, help, context and config-node panels (DESIGN §7). Built around the
// existing #debug element at start-up; panels refresh when the selection or the flows change.

import { h } from "./dom.js";
import { ConfigPanel, ContextPanel } from "./sidebar-data.js";
import { HelpPanel, InfoPanel } from "./sidebar-info.js";

const TABS = [["debug", "debug"], ["info", "info"], ["help", "help"], ["context", "context"], ["config", "config"]];

export class Sidebars {
  constructor(app) {
    this.app = app;
    const debug = document.getElementById("debug");
    this.root = h("aside", { id: "sidebar", "aria-label": "Sidebar" });
    debug.replaceWith(this.root);
    this.bar = h("div", { class: "sidebar-tabs", role: "tablist", "aria-label": "Sidebar panels" });
    this.panels = { debug };
    this.root.append(this.bar, debug);
    this.parts = {
      info: new InfoPanel(app, this.panel("info")),
      help: new HelpPanel(app, this.panel("help")),
      context: new ContextPanel(app, this.panel("context")),
      config: new ConfigPanel(app, this.panel("config")),
    };
    for (const [name, label] of TABS) {
      this.bar.append(h("button", {
        type: "button", role: "tab", "data-sidebar-tab": name, text: label, "aria-controls": this.panels[name].id,
        onclick: () => this.show(name),
      }));
    }
    this.current = "debug";
    this.show("debug");
    this.hook();
  }

  panel(name) {
    const el = h("section", { id: `sidebar-${name}`, class: "sidebar-panel", role: "tabpanel", "aria-label": name, hidden: true });
    this.panels[name] = el;
    this.root.append(el);
    return el;
  }

  /** Show panel `name` (and draw it). */
  show(name) {
    this.current = name;
    for (const [key, el] of Object.entries(this.panels)) el.hidden = key !== name;
    for (const b of this.bar.children) b.setAttribute("aria-selected", String(b.dataset.sidebarTab === name));
    this.refresh(true);
  }

  /** Redraw the visible panel (at most once a frame; `now` skips the wait). */
  refresh(now = false) {
    const part = this.parts[this.current];
    if (!part) return;
    if (now) {
      part.draw();
      return;
    }
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      const p = this.parts[this.current];
      if (p) p.draw();
    });
  }

  /** Follow the editor: redraw after renders and selection changes; palette entries show their help. */
  hook() {
    const app = this.app;
    for (const method of ["render", "selectionChanged"]) {
      const original = app[method].bind(app);
      app[method] = (...args) => {
        const out = original(...args);
        // The context panel asks the server: only when the selection changes, not on every render.
        if (this.current !== "context" || method === "selectionChanged") this.refresh();
        return out;
      };
    }
    const paletteHelp = (e) => {
      const entry = e.target.closest && e.target.closest("[data-palette-type]");
      if (!entry) return;
      this.parts.help.paletteType = entry.dataset.paletteType;
      if (this.current === "help") this.refresh(true);
    };
    document.addEventListener("focusin", paletteHelp);
    document.addEventListener("pointerdown", paletteHelp);
  }
}
