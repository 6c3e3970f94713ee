// The editor's "dashboard" sidebar: the dashboard's layout as the page shows it — tabs (Dashboard
// 1's ui_tab, Dashboard 2's ui-page), their groups and the groups' widgets, each level in `order`
// (0 = after the numbered ones). Dragging an entry onto a sibling (or Alt+Up/Down on it) moves it
// there and renumbers the siblings' `order` in one undoable step. Loaded on its own by index.html.

import { h } from "./dom.js";

const TAB_TYPES = ["ui_tab", "ui-page"];
const GROUP_PARENT = { ui_group: "tab", "ui-group": "page" }; // the property naming a group's tab

function app() {
  return window.__editor ? window.__editor.app : null;
}

function rank(node) {
  const n = Number.parseFloat(node.order);
  return Number.isFinite(n) && n !== 0 ? [0, n] : [1, 0];
}

function sorted(list) {
  return [...list].sort((a, b) => { const [x, y] = [rank(a), rank(b)]; return x[0] - y[0] || x[1] - y[1]; });
}

function labelOf(node) {
  return node.name || node.label || node.title || `${node.type} ${node.id}`;
}

/** The layout tree from the editor's nodes: [{node, groups: [{node, widgets: [node]}]}]. */
export function dashboardTree(nodes) {
  const tabs = sorted(nodes.filter((n) => TAB_TYPES.includes(n.type)));
  const groups = nodes.filter((n) => n.type in GROUP_PARENT);
  const widgets = nodes.filter((n) => typeof n.group === "string" && n.group && /^ui[_-]/.test(n.type));
  return tabs.map((tab) => ({
    node: tab,
    groups: sorted(groups.filter((g) => g[GROUP_PARENT[g.type]] === tab.id)).map((group) => ({
      node: group, widgets: sorted(widgets.filter((w) => w.group === group.id)),
    })),
  }));
}

function reorder(editor, siblings, moved, target) {
  const list = siblings.filter((n) => n.id !== moved.id);
  const at = list.findIndex((n) => n.id === target.id);
  list.splice(at < 0 ? list.length : at + (siblings.indexOf(moved) < siblings.indexOf(target) ? 1 : 0), 0, moved);
  editor.history.run("reorder dashboard", () => {
    list.forEach((n, i) => {
      const current = editor.model.get(n.id);
      if (current && Number(current.order) !== i + 1) editor.model.updateNode(n.id, { ...current, order: i + 1 });
    });
  });
  editor.render();
}

function entry(editor, node, siblings, kind) {
  const row = h("div", { class: `dashboard-entry dashboard-${kind}`, draggable: "true", tabindex: "0",
    "data-dashboard-id": node.id, title: `${node.type} — drag to reorder (Alt+↑/↓)` });
  row.append(h("span", { class: "dashboard-label", text: labelOf(node) }), h("span", { class: "dashboard-type", text: node.type }));
  row.addEventListener("dragstart", (e) => { e.dataTransfer.setData("text/plain", node.id); e.stopPropagation(); });
  row.addEventListener("dragover", (e) => { e.preventDefault(); e.stopPropagation(); });
  row.addEventListener("drop", (e) => {
    e.preventDefault();
    e.stopPropagation();
    const moved = siblings.find((n) => n.id === e.dataTransfer.getData("text/plain"));
    if (moved && moved.id !== node.id) reorder(editor, siblings, moved, node);
  });
  row.addEventListener("keydown", (e) => {
    if (!e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
    e.preventDefault();
    const i = siblings.indexOf(node);
    const target = siblings[i + (e.key === "ArrowUp" ? -1 : 1)];
    if (target) reorder(editor, siblings, node, target);
    document.querySelector(`[data-dashboard-id="${CSS.escape(node.id)}"]`)?.focus();
  });
  return row;
}

function draw(panel, editor) {
  const body = panel.querySelector(".dashboard-tree");
  body.textContent = "";
  const tree = dashboardTree(editor.model.all());
  if (!tree.length) body.append(h("p", { class: "dashboard-empty", text: "No dashboard tabs or pages in these flows." }));
  const tabs = tree.map((t) => t.node);
  for (const tab of tree) {
    const groups = tab.groups.map((g) => g.node);
    const box = h("div", { class: "dashboard-tab-box" }, [entry(editor, tab.node, tabs, "tab")]);
    for (const group of tab.groups) {
      const inner = h("div", { class: "dashboard-group-box" }, [entry(editor, group.node, groups, "group")]);
      for (const widget of group.widgets) inner.append(entry(editor, widget, group.widgets, "widget"));
      box.append(inner);
    }
    body.append(box);
  }
}

function install() {
  const editor = app();
  const toolbar = document.querySelector(".topbar .toolbar");
  const layout = document.querySelector("main.layout");
  if (!editor || !editor.model || !toolbar || !layout) { setTimeout(install, 100); return; }
  const panel = h("aside", { id: "dashboard-sidebar", "aria-label": "Dashboard layout", class: "dashboard-sidebar" });
  panel.hidden = true;
  panel.append(h("h2", { text: "Dashboard" }), h("div", { class: "dashboard-tree", role: "tree" }));
  layout.append(panel);
  const toggle = h("button", { type: "button", "data-action": "dashboard-toggle", "aria-pressed": "false", text: "dashboard",
    title: "Dashboard layout: tabs, groups and widgets in order" });
  toggle.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    toggle.setAttribute("aria-pressed", String(!panel.hidden));
    if (!panel.hidden) draw(panel, editor);
  });
  toolbar.append(toggle);
  editor.model.onChange(() => { if (!panel.hidden) draw(panel, editor); });
  const style = document.createElement("style");
  style.textContent = `.dashboard-sidebar { width: 260px; overflow-y: auto; border-left: 1px solid #ccc; padding: 6px; font-size: 13px; }
.dashboard-sidebar h2 { font-size: 14px; margin: 2px 0 6px; }
.dashboard-entry { display: flex; justify-content: space-between; gap: 6px; padding: 3px 6px; margin: 2px 0; cursor: grab;
  border: 1px solid #ddd; border-radius: 3px; background: #fff; }
.dashboard-entry:focus { outline: 2px solid #0094CE; }
.dashboard-tab { font-weight: 600; background: #e8f4f8; }
.dashboard-group-box { margin-left: 12px; }
.dashboard-widget { margin-left: 12px; }
.dashboard-type { color: #888; font-size: 11px; }`;
  document.head.append(style);
}

install();
