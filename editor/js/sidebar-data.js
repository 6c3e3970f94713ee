// Context panel (node / flow / global context values through GET/DELETE /context/..., with
// refresh and delete) and config-node panel (every config node, how many nodes use it, unused ones
// flagged, edit and delete).

import { ask, h, notify } from "./dom.js";

export class ContextPanel {
  constructor(app, el) {
    this.app = app;
    this.el = el;
    this.sections = {};
    const refresh = h("button", { type: "button", class: "small", "data-action": "refresh-context", text: "refresh", onclick: () => this.load() });
    el.append(h("div", { class: "sidebar-head" }, [h("strong", { text: "Context data" }), refresh]));
    for (const scope of ["node", "flow", "global"]) {
      this.sections[scope] = h("div", { class: "context-section", "data-context-scope": scope });
      el.append(h("h3", { text: scope === "node" ? "Node" : scope === "flow" ? "Flow" : "Global" }), this.sections[scope]);
    }
  }

  /** The path of each scope's context: node (the one selected), flow (the tab shown), global. */
  paths() {
    const { view, model } = this.app;
    const node = view.selection.size === 1 ? [...view.selection][0] : null;
    const tab = model.get(view.tab);
    return {
      node: node ? `context/node/${encodeURIComponent(node)}` : null,
      flow: tab && tab.type === "tab" ? `context/flow/${encodeURIComponent(tab.id)}` : null,
      global: "context/global",
    };
  }

  draw() {
    this.load();
  }

  async load() {
    const paths = this.paths();
    await Promise.all(Object.entries(paths).map(async ([scope, path]) => {
      const box = this.sections[scope];
      if (!path) {
        box.replaceChildren(h("p", { class: "kit-hint", text: scope === "node" ? "Select one node to see its context." : "No flow shown." }));
        return;
      }
      try {
        const { body } = await this.app.api.request("GET", path);
        this.fill(box, scope, path, body || {});
      } catch (err) {
        box.replaceChildren(h("p", { class: "field-error", text: `Could not read ${scope} context: ${err.message}` }));
      }
    }));
    this.el.dataset.loaded = String(Date.now());
  }

  fill(box, scope, path, byStore) {
    const rows = [];
    for (const [store, values] of Object.entries(byStore)) {
      for (const [key, entry] of Object.entries(values || {})) {
        const text = entry && typeof entry === "object" && "msg" in entry ? String(entry.msg) : JSON.stringify(entry);
        const format = entry && entry.format ? entry.format : "";
        rows.push(h("tr", { "data-context-key": key, "data-context-store": store }, [
          h("th", { text: key, title: `store ${store}` }),
          h("td", {}, [h("div", { class: "mono", text: text.length > 300 ? `${text.slice(0, 300)}…` : text }), h("div", { class: "kit-suffix", text: `${format} · ${store}` })]),
          h("td", { style: "width: 3.5em" }, [h("button", {
            type: "button", class: "small", "data-action": "delete-context", "aria-label": `delete ${scope} context ${key}`, text: "✕",
            onclick: () => this.remove(path, key, store),
          })]),
        ]));
      }
    }
    box.replaceChildren(rows.length ? h("table", {}, rows) : h("p", { class: "kit-hint", text: "none" }));
  }

  async remove(path, key, store) {
    try {
      await this.app.api.request("DELETE", `${path}/${encodeURIComponent(key)}?store=${encodeURIComponent(store)}`);
      await this.load();
    } catch (err) {
      notify(`Could not delete ${key}: ${err.message}`, "error");
    }
  }
}

export class ConfigPanel {
  constructor(app, el) {
    this.app = app;
    this.el = el;
  }

  /** How many nodes refer to each config node (a property, at any depth, holding its id). */
  usage() {
    const { model } = this.app;
    const configs = model.all().filter((o) => model.isConfig(o));
    const ids = new Set(configs.map((c) => c.id));
    const count = new Map(configs.map((c) => [c.id, new Set()]));
    const walk = (owner, v) => {
      if (typeof v === "string") {
        if (ids.has(v) && v !== owner.id) count.get(v).add(owner.id);
      } else if (Array.isArray(v)) v.forEach((x) => walk(owner, x));
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) if (k !== "id" && k !== "z" && k !== "wires") walk(owner, x);
    };
    for (const o of model.all()) if (o.type !== "tab" && o.type !== "subflow") walk(o, o);
    return { configs, count };
  }

  draw() {
    const { model } = this.app;
    const { configs, count } = this.usage();
    const byType = new Map();
    for (const c of configs) {
      if (!byType.has(c.type)) byType.set(c.type, []);
      byType.get(c.type).push(c);
    }
    const parts = [h("div", { class: "sidebar-head" }, [h("strong", { text: `Config nodes (${configs.length})` })])];
    if (!configs.length) parts.push(h("p", { class: "kit-hint", text: "No config nodes." }));
    for (const [type, list] of [...byType].sort()) {
      parts.push(h("h3", { text: type }));
      parts.push(h("table", {}, list.map((c) => {
        const users = count.get(c.id).size;
        const where = c.z ? model.get(c.z) : null;
        return h("tr", { "data-config-id": c.id, "data-config-users": String(users), class: users ? "" : "config-unused-row" }, [
          h("th", { text: model.labelOf(c) === c.type ? c.id : model.labelOf(c) }),
          h("td", {}, [
            h("span", { text: `${users} node${users === 1 ? "" : "s"}` }),
            users ? null : h("span", { class: "config-unused", "data-config-unused": "", text: " · unused" }),
            where ? h("div", { class: "kit-suffix", text: `on ${model.labelOf(where)}` }) : null,
          ]),
          h("td", { style: "width: 6.5em" }, [
            h("button", { type: "button", class: "small", "data-action": "edit-config-node", "aria-label": `edit ${model.labelOf(c)}`, text: "edit", onclick: () => this.edit(c) }),
            h("button", { type: "button", class: "small danger", "data-action": "delete-config-node", "aria-label": `delete ${model.labelOf(c)}`, text: "✕", onclick: () => this.remove(c, users) }),
          ]),
        ]);
      })));
    }
    this.el.replaceChildren(...parts);
  }

  async edit(c) {
    await this.app.inspector.editConfig(c.id, c.type);
    this.app.render();
  }

  async remove(c, users) {
    if (users) {
      const answer = await ask("Delete config node", `${this.app.model.labelOf(c)} is used by ${users} node(s); they will lose it.`, [
        { label: "Cancel", value: "cancel", action: "cancel-delete" },
        { label: "Delete", value: "delete", action: "confirm-delete", primary: true },
      ]);
      if (answer !== "delete") return;
    }
    this.app.history.run("delete config node", () => this.app.model.removeNodes([c.id]));
    this.app.render();
  }
}
