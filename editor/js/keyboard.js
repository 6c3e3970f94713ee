// Keyboard: named actions bound to keys, plus node/wire/group/button keys. Every drag has a key:
// arrows move the selection (Shift: 5 grid steps) or a focused group with its nodes, Space
// gathers nodes into the selection, Enter on a palette entry adds a node, the inspector's
// Connections section wires, S splices a node into a wire, ctrl+arrows pan, +/- zoom, Enter on a
// wire selects it for Delete.

import { tabStep } from "./cull.js";
import { h } from "./dom.js";
import { carriedGroups, groupMembers, shiftMoves } from "./dragmoves.js";
import { openSpliceDialog } from "./splice-dialog.js";
import { GRID } from "./wires.js";

const HELP = [
  ["Enter (palette entry)", "add that node at the centre of the canvas"],
  ["Double-click canvas", "search a node type and add it there (also when a wire is released on the canvas)"],
  ["Tab / Shift+Tab", "move between groups, wires, nodes and their buttons (the view pans to follow); focus selects a node"],
  ["Space", "add the focused node to the selection, or take it out"],
  ["Arrows (Shift: ×5)", "move the selection one grid step (a group moves when all its nodes do); with nothing selected or with Ctrl: pan"],
  ["Arrows (group)", "move the focused group box with all its nodes; Enter or Space selects its nodes"],
  ["Drag onto a group / Alt+drag", "drop nodes on a group to add them to it; hold Alt while dragging members to take them out"],
  ["S (node)", "splice the focused unwired node into a wire (the keyboard way to drop it on a wire): pick the wire"],
  ["Enter (node)", "open the inspector; wire outputs in its Connections section"],
  ["Enter (wire), Delete", "select a wire, delete the selection"],
  ["Ctrl+Z / Ctrl+Y", "undo / redo"],
  ["Ctrl+C / X / V, Ctrl+A", "copy / cut / paste, select all"],
  ["Ctrl+D", "deploy"],
  ["Ctrl+I / Ctrl+E", "import / export"],
  ["+ / - / 0 / !", "zoom in / out / reset / fit"],
  ["Ctrl+F", "filter the palette"],
  ["F2 / Delete (tab)", "rename / delete a flow tab"],
];

function showHelp(rows = HELP) {
  const dialog = h("dialog", { id: "help-dialog", "aria-label": "Keyboard shortcuts" }, [
    h("h2", { text: "Keyboard" }),
    h("table", { class: "help-keys" }, rows.map(([k, v]) => h("tr", {}, [h("th", { text: k }), h("td", { text: v })]))),
    h("div", { class: "dialog-buttons" }, [h("button", { type: "button", class: "primary", text: "Close", onclick: () => dialog.close() })]),
  ]);
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

const KEYMAP = {
  "ctrl+z": "undo", "ctrl+y": "redo", "ctrl+shift+z": "redo",
  "ctrl+c": "copy", "ctrl+x": "cut", "ctrl+v": "paste", "ctrl+a": "select-all",
  "ctrl+d": "deploy", "ctrl+e": "export", "ctrl+i": "import", "ctrl+f": "search",
  delete: "delete", backspace: "delete", escape: "select-none",
  "?": "help", "+": "zoom-in", "=": "zoom-in", "-": "zoom-out", "0": "zoom-reset", "!": "zoom-fit",
};

function keyName(e) {
  const parts = [];
  if (e.ctrlKey || e.metaKey) parts.push("ctrl");
  if (e.altKey) parts.push("alt");
  if (e.shiftKey && e.key.length > 1) parts.push("shift");
  if (e.shiftKey && e.key.length === 1 && (e.ctrlKey || e.metaKey || e.altKey)) parts.push("shift");
  parts.push(e.key.length === 1 ? e.key.toLowerCase() : e.key.toLowerCase());
  return parts.join("+");
}

function direction(e) {
  const dx = e.key === "ArrowLeft" ? -1 : e.key === "ArrowRight" ? 1 : 0;
  const dy = e.key === "ArrowUp" ? -1 : e.key === "ArrowDown" ? 1 : 0;
  return [dx, dy];
}

function typing(target) {
  return target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

export class Keyboard {
  constructor(app) {
    this.app = app;
    this.clipboard = null;
    this.actions = {
      undo: () => app.undo(),
      redo: () => app.redo(),
      copy: () => this.copy(),
      cut: () => this.copy(true),
      "select-all": () => app.selectAll(),
      deploy: () => app.deployer.deploy(),
      export: () => app.io.openExport(),
      import: () => app.io.openImport(),
      search: () => app.palette.filter.focus(),
      delete: () => app.deleteSelection(),
      "select-none": () => app.selectNone(),
      "zoom-in": () => app.canvas.zoomTo(app.canvas.zoom * 1.2),
      "zoom-out": () => app.canvas.zoomTo(app.canvas.zoom / 1.2),
      "zoom-reset": () => app.canvas.resetView(),
      "zoom-fit": () => app.canvas.zoomToFit(),
      help: () => showHelp(this.help),
    };
    this.keymap = { ...KEYMAP };
    this.help = [...HELP];
    window.addEventListener("keydown", (e) => this.keydown(e));
  }

  /** Bind `key` (as keyName spells it, e.g. "ctrl+shift+g") to a named action. */
  bind(key, name, fn, help = null) {
    this.actions[name] = fn;
    if (key) this.keymap[key] = name;
    if (help) this.help = [...this.help.filter(([k]) => k !== help[0]), help];
  }

  keydown(e) {
    if (document.querySelector("dialog[open]")) return;
    if (typing(e.target)) return;
    const { canvas } = this.app;
    if (e.key === "Tab" && !e.ctrlKey && !e.altKey && !e.metaKey && e.target !== canvas.svg && canvas.svg.contains(e.target)) {
      // Walk the canvas ourselves: culled (display:none) items are skipped by the browser.
      if (tabStep(canvas, e.target, e.shiftKey)) e.preventDefault();
      return;
    }
    const inPalette = e.target.closest && e.target.closest("#palette, #debug, #tabs");
    const button = e.target.closest && e.target.closest("[data-node-id] [data-action]");
    if (button && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      this.app.nodeAction(button.dataset.action, button.closest("[data-node-id]").dataset.nodeId);
      return;
    }
    const groupEl = e.target.closest && e.target.closest("[data-group-id]");
    if (groupEl && e.key.startsWith("Arrow") && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      this.moveGroup(groupEl.dataset.groupId, e);
      return;
    }
    if (groupEl && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      this.app.view.selection = new Set(groupMembers(this.app.model, groupEl.dataset.groupId).nodes);
      this.app.selectionChanged();
      this.app.say(`${this.app.view.selection.size} nodes of the group selected`);
      return;
    }
    const nodeEl = e.target.closest && e.target.closest("[data-node-id]");
    if (nodeEl && e.key.toLowerCase() === "s" && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      openSpliceDialog(this.app, nodeEl.dataset.nodeId);
      return;
    }
    if (nodeEl && e.key === "Enter") {
      e.preventDefault();
      this.app.openInspector(nodeEl.dataset.nodeId);
      return;
    }
    if (nodeEl && e.key === " ") {
      // Space adds the focused node to the selection or takes it out (keyboard lasso).
      e.preventDefault();
      const { selection } = this.app.view;
      const id = nodeEl.dataset.nodeId;
      if (selection.has(id)) selection.delete(id);
      else selection.add(id);
      this.app.selectionChanged();
      this.app.say(`${selection.size} node${selection.size === 1 ? "" : "s"} selected`);
      return;
    }
    const wireEl = e.target.closest && e.target.closest("[data-wire]");
    if (wireEl && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      this.app.selectWire(wireEl.dataset.wire);
      return;
    }
    if (e.key.startsWith("Arrow") && !inPalette) {
      e.preventDefault();
      this.arrow(e);
      return;
    }
    const action = this.keymap[keyName(e)];
    if (!action || !this.actions[action]) return; // paste and others are bound once editing is installed
    if (inPalette && ["delete", "select-all", "copy", "cut", "paste"].includes(action)) return;
    e.preventDefault();
    this.actions[action]();
  }

  arrow(e) {
    const { app } = this;
    const [dx, dy] = direction(e);
    if (e.ctrlKey || e.metaKey || app.view.selection.size === 0) {
      app.canvas.panBy(-dx * 60, -dy * 60);
      return;
    }
    const step = GRID * (e.shiftKey ? 5 : 1);
    const ids = [...app.view.selection].filter((id) => app.model.get(id));
    const moves = shiftMoves(app.model, ids, carriedGroups(app.model, ids), dx * step, dy * step);
    app.history.run("move", () => app.model.moveNodes(moves));
    if (ids.length === 1) app.say(`Moved to ${moves[0].x}, ${moves[0].y}`);
  }

  /** Arrows on a focused group box: move it, its nested groups and all its nodes. */
  moveGroup(gid, e) {
    const { app } = this;
    const group = app.model.get(gid);
    if (!group) return;
    const [dx, dy] = direction(e);
    const step = GRID * (e.shiftKey ? 5 : 1);
    const { nodes, groups } = groupMembers(app.model, gid);
    app.history.run("move", () => app.model.moveNodes(shiftMoves(app.model, nodes, groups, dx * step, dy * step)));
    const moved = app.model.get(gid);
    app.say(`Moved group ${group.name || gid} with ${nodes.length} node${nodes.length === 1 ? "" : "s"} to ${moved.x}, ${moved.y}`);
  }

  copy(cut = false) {
    const { app } = this;
    const ids = [...app.view.selection];
    if (!ids.length) return;
    this.clipboard = app.model.exportNodes(ids);
    const text = JSON.stringify(this.clipboard);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).catch((err) => console.info("system clipboard not available", err.message));
    }
    if (cut) app.deleteSelection();
    app.say(`${cut ? "Cut" : "Copied"} ${ids.length} node${ids.length === 1 ? "" : "s"}`);
  }
}
