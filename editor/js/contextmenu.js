// The canvas context menu (#context-menu): right-click on a node, a wire, a group or the empty
// canvas (or the Menu key / Shift+F10 on a focused item). Items are [data-action="<name>"]
// buttons; arrows move between them, Escape closes and gives focus back.

import { h } from "./dom.js";

/** Menu entries: [action, label, shortcut, when(ctx) -> enabled]. null draws a separator. */
const ITEMS = [
  ["edit", "Edit…", "Enter", (c) => c.node],
  ["select-connected", "Select connected nodes", "", (c) => c.count > 0],
  ["select-all", "Select all", "Ctrl+A", () => true],
  null,
  ["copy", "Copy", "Ctrl+C", (c) => c.count > 0],
  ["cut", "Cut", "Ctrl+X", (c) => c.count > 0],
  ["paste", "Paste", "Ctrl+V", (c) => c.canPaste],
  ["duplicate", "Duplicate", "Alt+Shift+D", (c) => c.count > 0],
  ["delete", "Delete", "Delete", (c) => c.count > 0 || c.wire],
  null,
  ["toggle-disabled", "Enable/disable", "Ctrl+Shift+E", (c) => c.count > 0],
  ["group", "Group selection", "Ctrl+Shift+G", (c) => c.count > 0],
  ["ungroup", "Ungroup", "Ctrl+Shift+U", (c) => c.inGroup],
  ["remove-from-group", "Remove from group", "Alt+Shift+G", (c) => c.inGroup && c.count > 0],
  ["edit-group", "Edit group…", "", (c) => c.inGroup],
  ["to-subflow", "Selection to subflow", "", (c) => c.count > 0],
  ["move-to-tab", "Move to another flow…", "", (c) => c.count > 0],
  null,
  ["add-node", "Add a node here…", "", (c) => c.canvas],
];

export class ContextMenu {
  /** @param {object} app  @param {Record<string, Function>} run action name -> fn(ctx) */
  constructor(app, run) {
    this.app = app;
    this.run = run;
    this.el = null;
    const svgEl = app.canvas.svg;
    svgEl.addEventListener("contextmenu", (e) => this.fromEvent(e));
    // The Menu key and Shift+F10 on a focused node, wire or group (or the canvas) open it too.
    svgEl.addEventListener("keydown", (e) => {
      if (e.key !== "ContextMenu" && !(e.shiftKey && e.key === "F10")) return;
      this.fromEvent({ preventDefault: () => e.preventDefault(), target: e.target, clientX: 0, clientY: 0 });
    });
    window.addEventListener("pointerdown", (e) => {
      if (this.el && !this.el.contains(e.target)) this.close(false);
    }, true);
    window.addEventListener("blur", () => this.close(false));
  }

  fromEvent(e) {
    e.preventDefault();
    const { view, model } = this.app;
    const keyboard = e.clientX === 0 && e.clientY === 0;
    const hit = keyboard ? e.target : (document.elementFromPoint(e.clientX, e.clientY) || e.target);
    const nodeEl = hit.closest && hit.closest("[data-node-id]");
    const wireEl = !nodeEl && hit.closest && hit.closest("[data-wire]");
    const groupEl = !nodeEl && !wireEl && hit.closest && hit.closest("[data-group-id]");
    let node = null;
    let group = groupEl ? groupEl.dataset.groupId : null;
    if (nodeEl) {
      node = nodeEl.dataset.nodeId;
      if (!view.selection.has(node)) {
        view.selection = new Set([node]);
        view.selectedWire = null;
        this.app.selectionChanged();
      }
    } else if (wireEl) {
      this.app.selectWire(wireEl.dataset.wire);
    } else if (group) {
      const g = model.get(group);
      view.selection = new Set((g && g.nodes || []).filter((id) => model.isCanvasNode(model.get(id) || {})));
      this.app.selectionChanged();
    }
    if (!group && view.selection.size) group = model.get([...view.selection][0])?.g || null;
    const at = keyboard ? rectCentre(hit) : { x: e.clientX, y: e.clientY };
    this.open(at.x, at.y, {
      node, group, wire: Boolean(wireEl), canvas: !nodeEl && !wireEl && !groupEl, point: at,
      count: view.selection.size, inGroup: Boolean(group && model.get(group)),
      canPaste: Boolean(this.app.keyboard.clipboard),
    });
  }

  /** The canvas menu for context `ctx` at client point (x, y). */
  open(x, y, ctx) {
    const entries = ITEMS.map((item) => {
      if (!item) return null;
      const [action, label, keys, when] = item;
      if ((action === "add-node" && !ctx.canvas) || (action === "edit" && !ctx.node)) return undefined;
      return { action, label, keys, enabled: Boolean(when(ctx)), run: () => this.run[action](ctx) };
    }).filter((e) => e !== undefined);
    this.openList(x, y, entries);
  }

  /** A menu of entries {action, label, keys?, enabled, run} (null: separator) at (x, y). */
  openList(x, y, entries) {
    this.close(false);
    this.returnFocus = document.activeElement;
    const items = [];
    for (const entry of entries) {
      if (!entry) {
        if (items.length && items[items.length - 1].tagName !== "HR") items.push(h("hr", { role: "separator" }));
        continue;
      }
      items.push(h("button", {
        type: "button", role: "menuitem", "data-action": entry.action, disabled: !entry.enabled, tabindex: "-1",
        onclick: () => {
          this.close(true);
          entry.run();
        },
      }, [h("span", { text: entry.label }), h("kbd", { text: entry.keys || "" })]));
    }
    if (items.length && items[items.length - 1].tagName === "HR") items.pop();
    const menu = h("div", { id: "context-menu", role: "menu", "aria-label": "Actions" }, items);
    menu.addEventListener("keydown", (e) => this.keydown(e));
    document.body.append(menu);
    const r = menu.getBoundingClientRect();
    menu.style.left = `${Math.max(4, Math.min(x, window.innerWidth - r.width - 4))}px`;
    menu.style.top = `${Math.max(4, Math.min(y, window.innerHeight - r.height - 4))}px`;
    this.el = menu;
    const first = menu.querySelector("button:not([disabled])");
    if (first) first.focus();
  }

  keydown(e) {
    const buttons = [...this.el.querySelectorAll("button:not([disabled])")];
    const i = buttons.indexOf(document.activeElement);
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const next = (i + (e.key === "ArrowDown" ? 1 : buttons.length - 1)) % buttons.length;
      buttons[next].focus();
    } else if (e.key === "Escape" || e.key === "Tab") {
      e.preventDefault();
      this.close(true);
    }
    e.stopPropagation();
  }

  /** Close the menu; `refocus` gives keyboard focus back to where it was. */
  close(refocus) {
    if (!this.el) return;
    this.el.remove();
    this.el = null;
    const back = this.returnFocus;
    this.returnFocus = null;
    if (refocus && back && back.isConnected && back.focus) back.focus({ preventScroll: true });
  }
}

function rectCentre(el) {
  const r = el.getBoundingClientRect();
  return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
}
