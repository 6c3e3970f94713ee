// Groups: make one from the selection, dissolve one, keep boxes around their members, and the
// group edit dialog (name, border and fill colours, label shown and its colour), as Node-RED's.

import { h } from "./dom.js";
import { newId } from "./model.js";
import { layoutOf } from "./nodeview.js";

const PAD = 20;
const LABEL_SPACE = 20;
export const GROUP_STYLE = { stroke: "#999999", "stroke-opacity": "1", fill: "none", "fill-opacity": "1", label: true, "label-position": "nw", color: "#a4a4a4" };

/** The outermost group holding `id` whose members are all in `chosen` (or `id` itself). */
function topChosen(model, id, chosen) {
  let member = id;
  let g = model.get(model.get(id)?.g);
  while (g && g.type === "group" && (g.nodes || []).every((m) => chosen.has(m))) {
    member = g.id;
    chosen.add(g.id);
    g = model.get(g.g);
  }
  return member;
}

/** Box of a set of members (nodes and groups) in canvas units, padded. */
export function boundsOf(model, ids, pad = PAD, label = LABEL_SPACE) {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const id of ids) {
    const o = model.get(id);
    if (!o) continue;
    if (o.type === "group") {
      if (typeof o.x !== "number") continue;
      [x0, y0, x1, y1] = [Math.min(x0, o.x), Math.min(y0, o.y), Math.max(x1, o.x + o.w), Math.max(y1, o.y + o.h)];
    } else if (typeof o.x === "number") {
      const { width, height } = layoutOf(model, o).size;
      [x0, y0, x1, y1] = [Math.min(x0, o.x - width / 2), Math.min(y0, o.y - height / 2), Math.max(x1, o.x + width / 2), Math.max(y1, o.y + height / 2)];
    }
  }
  if (x0 === Infinity) return null;
  return { x: Math.round(x0 - pad), y: Math.round(y0 - pad - label), w: Math.round(x1 - x0 + 2 * pad), h: Math.round(y1 - y0 + 2 * pad + label) };
}

/** Size of a group with no members: as Node-RED draws one, a small box (wide enough for its label). */
const EMPTY = 40;
function emptySize(g) {
  const label = g.style?.label !== false && g.name ? g.name.length * 7 + 16 : 0;
  return { w: Math.max(EMPTY, label), h: EMPTY };
}

/**
 * Fit group `gid` (and the groups around it) to its members; a group left with none stays, shrunk
 * to a small box at its top-left corner. Mutates; the caller notifies.
 */
export function fitGroup(model, gid) {
  let g = model.get(gid);
  while (g && g.type === "group") {
    const box = fittedBox(model, g, g.nodes || []);
    if (box) Object.assign(g, box);
    g = model.get(g.g);
  }
}

/** The box group `g` has when it holds only `members`: around them, or a small box; null when unknown. */
export function fittedBox(model, g, members) {
  const box = boundsOf(model, members);
  if (box) return box;
  if (members.length || typeof g.x !== "number") return null;
  return { x: g.x, y: g.y, ...emptySize(g) };
}

/** Grow group `gid` (and the groups around it) so that every member is inside. Mutates. */
export function growGroup(model, gid) {
  let g = model.get(gid);
  while (g && g.type === "group") {
    const raw = boundsOf(model, g.nodes || [], 0, 0);
    const box = boundsOf(model, g.nodes || []);
    if (raw && typeof g.x === "number") {
      // only the sides a member crosses move, out to the usual padding
      const x0 = raw.x < g.x ? box.x : g.x;
      const y0 = raw.y < g.y ? box.y : g.y;
      const x1 = raw.x + raw.w > g.x + g.w ? box.x + box.w : g.x + g.w;
      const y1 = raw.y + raw.h > g.y + g.h ? box.y + box.h : g.y + g.h;
      Object.assign(g, { x: x0, y: y0, w: x1 - x0, h: y1 - y0 });
    }
    g = model.get(g.g);
  }
}

/** Group the given node ids; returns the new group or null (nothing to group). */
export function groupNodes(model, ids, z) {
  const chosen = new Set(ids.filter((id) => model.get(id)?.z === z));
  if (!chosen.size) return null;
  const members = [...new Set([...chosen].map((id) => topChosen(model, id, chosen)))];
  const parents = new Set(members.map((m) => model.get(m).g || ""));
  const parent = parents.size === 1 ? [...parents][0] : "";
  const group = { id: newId(), type: "group", z, name: "", style: { ...GROUP_STYLE }, nodes: members };
  if (parent) group.g = parent;
  for (const m of members) {
    const o = model.get(m);
    const old = model.get(o.g);
    if (old && old.type === "group") old.nodes = (old.nodes || []).filter((n) => n !== m);
    o.g = group.id;
  }
  Object.assign(group, boundsOf(model, members) || { x: 0, y: 0, w: 100, h: 60 });
  model.items.set(group.id, group);
  if (parent) {
    model.get(parent).nodes.push(group.id);
    fitGroup(model, parent);
  }
  model._changed("group", [group.id, ...members]);
  return group;
}

/** Dissolve groups: members go to the enclosing group (if any). Returns the member ids. */
export function ungroup(model, gids) {
  const freed = [];
  for (const gid of gids) {
    const g = model.get(gid);
    if (!g || g.type !== "group") continue;
    const parent = model.get(g.g);
    for (const m of g.nodes || []) {
      const o = model.get(m);
      if (!o) continue;
      if (parent) o.g = parent.id;
      else delete o.g;
      freed.push(m);
    }
    if (parent) parent.nodes = [...(parent.nodes || []).filter((n) => n !== gid), ...(g.nodes || [])];
    model.items.delete(gid);
  }
  model._changed("ungroup", [...gids, ...freed]);
  return freed;
}

/** The groups the selection touches: innermost groups of selected nodes. */
export function selectedGroups(model, ids) {
  return [...new Set(ids.map((id) => model.get(id)?.g).filter((g) => g && model.get(g)))];
}

/** Edit dialog for group `gid`: name, border, fill, label shown, label colour. */
export function openGroupDialog(app, gid) {
  const g = app.model.get(gid);
  if (!g) return;
  const style = { ...GROUP_STYLE, ...(g.style || {}) };
  const colour = (name, value, label) => h("label", { class: "group-field" }, [h("span", { text: label }), h("input", { type: "color", name, value })]);
  const name = h("input", { type: "text", name: "name", value: g.name || "", "aria-label": "Name" });
  const noFill = h("input", { type: "checkbox", name: "fill-none", checked: style.fill === "none" });
  const showLabel = h("input", { type: "checkbox", name: "label", checked: style.label !== false });
  const form = h("form", { method: "dialog", id: "group-form" }, [
    h("h2", { text: "Edit group" }),
    h("label", { class: "group-field" }, [h("span", { text: "Name" }), name]),
    colour("stroke", hex(style.stroke, "#999999"), "Border"),
    colour("fill", hex(style.fill, "#ffffff"), "Fill"),
    h("label", { class: "group-field" }, [noFill, h("span", { text: " no fill" })]),
    h("label", { class: "group-field" }, [showLabel, h("span", { text: " show the name as a label" })]),
    colour("color", hex(style.color, "#a4a4a4"), "Label colour"),
    h("div", { class: "dialog-buttons" }, [
      h("button", { type: "button", text: "Cancel", "data-action": "group-cancel", onclick: () => dialog.close() }),
      h("button", { type: "submit", class: "primary", "data-action": "group-done", text: "Done" }),
    ]),
  ]);
  const dialog = h("dialog", { id: "group-dialog", "aria-label": "Edit group" }, [form]);
  const picked = new Set();
  form.addEventListener("input", (e) => {
    if (e.target.type === "color") picked.add(e.target.name);
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    // a colour the picker cannot show (#abc, rgb(...)) stays unless another one is picked
    const value = (n, was) => (picked.has(n) ? form.querySelector(`[name='${n}']`).value : was);
    const fill = noFill.checked ? "none" : value("fill", style.fill === "none" ? form.querySelector("[name='fill']").value : style.fill);
    const next = { ...style, stroke: value("stroke", style.stroke), fill, label: showLabel.checked, color: value("color", style.color) };
    app.history.run("edit group", () => {
      const cur = app.model.get(gid);
      cur.name = name.value;
      cur.style = next;
      app.model._changed("update", [gid]);
    });
    dialog.close();
  });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  name.focus();
}

function hex(value, fallback) {
  return typeof value === "string" && /^#[0-9a-f]{6}$/i.test(value) ? value : fallback;
}
