// Forms that pick other nodes by name, never by raw id: link in/out/call (link nodes across tabs)
// and catch/status/complete (nodes of the same tab).

import { h } from "./dom.js";
import { registerForm } from "./form-kit.js";

/**
 * A checkbox list of `nodes` grouped by tab, bound to an array of ids (`single`: radio buttons).
 * Returns {el, get() -> ids}.
 */
export function nodePicker(app, nodes, selected, { name, single = false } = {}) {
  const { model } = app;
  const chosen = new Set(Array.isArray(selected) ? selected : selected ? [selected] : []);
  const box = h("div", { class: "kit-picker", "data-picker": name, role: "group", "aria-label": name });
  const inputs = [];
  const byTab = new Map();
  for (const n of nodes) {
    if (!byTab.has(n.z)) byTab.set(n.z, []);
    byTab.get(n.z).push(n);
  }
  for (const [z, list] of byTab) {
    const tab = model.get(z);
    box.append(h("div", { class: "kit-tab-name", text: tab ? model.labelOf(tab) : z || "(no tab)" }));
    for (const n of list) {
      const input = h("input", { type: single ? "radio" : "checkbox", name: single ? `${name}-choice` : null, value: n.id, "data-node-choice": n.id, checked: chosen.has(n.id) });
      inputs.push(input);
      const named = n.name ? String(n.name) : `${model.labelOf(n)} (unnamed ${n.id})`;
      box.append(h("label", {}, [input, ` ${named}`, h("span", { class: "kit-suffix", text: n.name ? "" : "" })]));
    }
  }
  // Ids that are not (or no longer) in the flows are kept, listed as such.
  const missing = [...chosen].filter((id) => !nodes.some((n) => n.id === id));
  for (const id of missing) {
    const input = h("input", { type: single ? "radio" : "checkbox", name: single ? `${name}-choice` : null, value: id, checked: true });
    inputs.push(input);
    box.append(h("label", {}, [input, ` ${id} (not found)`]));
  }
  if (!inputs.length) box.append(h("div", { class: "kit-suffix", text: "no nodes to pick" }));
  return { el: box, get: () => inputs.filter((i) => i.checked).map((i) => i.value) };
}

/** Bind a picker's ids to `key`, written only when the choice changed (order kept otherwise). */
function bindIds(kit, key, picker, { single = false } = {}) {
  const orig = kit.value[key];
  const initial = JSON.stringify([...picker.get()].sort());
  kit.writer((out) => {
    const now = picker.get();
    if (JSON.stringify([...now].sort()) === initial) return;
    out[key] = single ? now.slice(0, 1) : now;
  });
  return orig;
}

function linkForm(targetType) {
  return (kit, ctx) => {
    const { model } = ctx.app;
    const targets = model.all().filter((n) => n.type === targetType && n.id !== kit.value.id);
    const picker = nodePicker(ctx.app, targets, kit.value.links, { name: "links" });
    bindIds(kit, "links", picker);
    // Node-RED keeps both ends of a link in step: the nodes added or removed here change too.
    const before = new Set(Array.isArray(kit.value.links) ? kit.value.links : []);
    kit.afterSave((model) => {
      const now = new Set(picker.get());
      const me = kit.value.id;
      for (const id of new Set([...before, ...now])) {
        const other = model.get(id);
        if (!other || before.has(id) === now.has(id)) continue;
        const links = (Array.isArray(other.links) ? other.links : []).filter((l) => l !== me);
        if (now.has(id)) links.push(me);
        model.updateNode(id, { ...other, links });
      }
    });
    const parts = [kit.text("name", "Name")];
    if (kit.value.type === "link out") {
      const mode = kit.select("mode", "Mode", [["link", "Send to all connected link nodes"], ["return", "Return to calling link node"]], { fallback: "link" });
      parts.push(mode, kit.when(kit.row(`Link to (${targetType} nodes)`, picker.el, { key: "links" }), () => mode.control.chosen() !== "return"));
    } else parts.push(kit.row(`Linked (${targetType} nodes)`, picker.el, { key: "links" }));
    return parts;
  };
}

registerForm("link in", linkForm("link out"));
registerForm("link out", linkForm("link in"));

registerForm("link call", (kit, ctx) => {
  const { model } = ctx.app;
  const targets = model.all().filter((n) => n.type === "link in");
  const picker = nodePicker(ctx.app, targets, kit.value.links, { name: "links", single: true });
  bindIds(kit, "links", picker, { single: true });
  const type = kit.select("linkType", "Link type", [["static", "Fixed target"], ["dynamic", "Dynamic target (msg.target)"]], { fallback: "static" });
  return [
    kit.text("name", "Name"),
    type,
    kit.when(kit.row("Target", picker.el, { key: "links" }), () => type.control.chosen() !== "dynamic"),
    kit.number("timeout", "Timeout", { suffix: "seconds", min: 0 }),
  ];
});

function scopeForm(kind) {
  return (kit, ctx) => {
    const { model } = ctx.app;
    const node = kit.value;
    const scope = node.scope;
    const mode = Array.isArray(scope) ? "selected" : scope === "group" ? "group" : "all";
    const sel = h("select", { name: "scope-mode", "aria-label": "scope" }, [
      ["all", kind === "complete" ? "all nodes (none)" : "all nodes"], ["group", "in same group"], ["selected", "selected nodes"],
    ].filter(([v]) => kind !== "complete" || v !== "all" || mode === "all").map(([v, t]) => h("option", { value: v, text: t })));
    sel.value = kind === "complete" && mode === "all" ? "selected" : mode;
    const others = model.all().filter((n) => n.z === node.z && n.id !== node.id && model.isCanvasNode(n) && !["catch", "status", "complete", "junction"].includes(n.type));
    const picker = nodePicker(ctx.app, others, Array.isArray(scope) ? scope : [], { name: "scope" });
    const initial = JSON.stringify([sel.value, [...picker.get()].sort()]);
    kit.writer((out) => {
      if (JSON.stringify([sel.value, [...picker.get()].sort()]) === initial) return;
      out.scope = sel.value === "all" ? null : sel.value === "group" ? "group" : picker.get();
    });
    const parts = [
      kit.row(kind === "catch" ? "Catch errors from" : kind === "status" ? "Report status from" : "Report completion of", sel),
      kit.when(kit.row("Nodes", picker.el, { key: "scope" }), () => sel.value === "selected"),
    ];
    if (kind === "catch") parts.push(kit.check("uncaught", "ignore errors handled by other Catch nodes"));
    return [...parts, kit.text("name", "Name")];
  };
}

registerForm("catch", scopeForm("catch"));
registerForm("status", scopeForm("status"));
registerForm("complete", scopeForm("complete"));
