// Editing commands on the selection, shared by the context menu and the keyboard: group, ungroup,
// remove from group, edit group, enable/disable, duplicate, move to another tab, select connected. Each is one undo step.

import { carriedGroups } from "./dragmoves.js";
import { ask, h } from "./dom.js";
import { leaveGroup } from "./group-drop.js";
import { fitGroup, groupNodes, growGroup, openGroupDialog, selectedGroups, ungroup } from "./groups.js";
import { Placing } from "./placing.js";
import { selectConnected } from "./selection.js";

export class EditActions {
  constructor(app) {
    this.app = app;
    this.placing = new Placing(app);
    // A member moved out of its group's box makes the box grow to hold it (it never shrinks here);
    // a group whose members were deleted fits what is left, or becomes a small box (Node-RED).
    app.model.onChange(({ kind, ids }) => {
      if (kind === "remove" || kind === "move-tab") dropPortWires(app.model);
      if (kind === "remove") for (const id of ids) if (app.model.get(id)?.type === "group") fitGroup(app.model, id);
      if (kind !== "move") return;
      const moved = new Set(ids);
      for (const id of ids) {
        const g = app.model.get(app.model.get(id)?.g);
        if (g && !moved.has(g.id)) growGroup(app.model, g.id);
      }
    });
  }

  selected() {
    return [...this.app.view.selection].filter((id) => this.app.model.get(id));
  }

  group() {
    const { app } = this;
    const ids = this.selected();
    if (!ids.length) return app.say("Select the nodes to group first", true);
    const g = app.history.run("group", () => groupNodes(app.model, ids, app.view.tab));
    if (g) app.say(`Grouped ${ids.length} node${ids.length === 1 ? "" : "s"}`);
  }

  ungroup(gid = null) {
    const { app } = this;
    const gids = gid ? [gid] : selectedGroups(app.model, this.selected());
    if (!gids.length) return app.say("The selection is not in a group", true);
    app.history.run("ungroup", () => ungroup(app.model, gids));
    app.say(`Ungrouped ${gids.length} group${gids.length === 1 ? "" : "s"}`);
  }

  /** The selection leaves its group for the one around it (one undo step), as Node-RED's menu does. */
  removeFromGroup() {
    const { app } = this;
    const ids = this.selected();
    const left = ids.length ? app.history.run("remove from group", () => leaveGroup(app.model, ids)) : null;
    if (!left) return app.say("Select nodes of one group to take them out of it", true);
    app.say(`Removed ${left.length} item${left.length === 1 ? "" : "s"} from the group`);
  }

  editGroup(gid = null) {
    const target = gid || selectedGroups(this.app.model, this.selected())[0];
    if (target) openGroupDialog(this.app, target);
    else this.app.say("The selection is not in a group", true);
  }

  /** Disable the selected nodes, or enable them when all are disabled (Node-RED's `d`). */
  toggleDisabled() {
    const { app } = this;
    const nodes = this.selected().map((id) => app.model.get(id)).filter((n) => app.model.isCanvasNode(n));
    if (!nodes.length) return;
    const disable = nodes.some((n) => !n.d);
    app.history.run(disable ? "disable" : "enable", () => {
      for (const n of nodes) {
        if (disable) n.d = true;
        else delete n.d;
      }
      app.model._changed("update", nodes.map((n) => n.id));
    });
    app.say(`${disable ? "Disabled" : "Enabled"} ${nodes.length} node${nodes.length === 1 ? "" : "s"}`);
  }

  /** A copy of the selection (with its groups), selected and attached to the pointer; the clipboard is untouched. */
  duplicate() {
    const { app } = this;
    const ids = this.selected();
    if (!ids.length) return;
    const set = app.model.exportNodes([...ids, ...carriedGroups(app.model, ids)]);
    const count = this.placing.add(pasteable(app.model, set), "duplicate");
    app.say(`Duplicated ${count} node(s): click to put them down, Escape takes them away`);
  }

  /**
   * Paste the clipboard, selected and attached to the pointer until a click puts it down (Node-RED);
   * `at` is the client point to start from (the context menu's spot), else the pointer.
   */
  paste(at = null) {
    const { app } = this;
    const clip = app.keyboard.clipboard;
    if (!clip) return;
    // Config nodes and subflow definitions already present are shared, not duplicated.
    const count = this.placing.add(pasteable(app.model, clip), "paste", at);
    app.say(`Pasted ${count} node(s): click to put them down, Escape takes them away`);
  }

  selectConnected(id = null) {
    selectConnected(this.app, id);
  }

  /** Ask which tab, then move the selection there (wires to nodes left behind are cut). */
  async moveToTab() {
    const { app } = this;
    const ids = this.selected();
    const tabs = app.model.workspaces().filter((w) => w.type === "tab" && w.id !== app.view.tab);
    if (!ids.length) return;
    if (!tabs.length) return app.say("There is no other flow tab to move to", true);
    const target = await ask("Move to another flow", `Move ${ids.length} node${ids.length === 1 ? "" : "s"} to:`, [
      { label: "Cancel", value: "", action: "move-cancel" },
      ...tabs.map((t) => ({ label: t.label || t.id, value: t.id, action: `move-to-${t.id}` })),
    ]);
    if (target) this.moveNodesTo(ids, target);
  }

  moveNodesTo(ids, z) {
    const { app } = this;
    const { model } = app;
    const groups = carriedGroups(model, ids);
    const moving = new Set([...ids, ...groups]);
    app.history.run("move to flow", () => {
      const left = new Set();
      for (const id of moving) {
        const o = model.get(id);
        o.z = z;
        const parent = model.get(o.g);
        if (parent && !moving.has(parent.id)) {
          parent.nodes = (parent.nodes || []).filter((n) => n !== id);
          delete o.g;
          left.add(parent.id);
        }
      }
      for (const gid of left) fitGroup(model, gid); // the group left fits what it still holds
      for (const o of model.all()) {
        if (!Array.isArray(o.wires)) continue;
        const inside = moving.has(o.id);
        o.wires = o.wires.map((t) => (t || []).filter((d) => moving.has(d) === inside));
      }
      model._changed("move-tab", [...moving]);
    });
    const tab = model.get(z);
    app.showTab(z);
    app.view.selection = new Set(ids);
    app.selectionChanged();
    app.say(`Moved ${ids.length} node${ids.length === 1 ? "" : "s"} to ${tab.label || z}`);
  }
}

/** Subflow port wires to nodes that are gone (deleted, moved out) are dropped with them. */
function dropPortWires(model) {
  for (const sf of model.all()) {
    if (sf.type !== "subflow") continue;
    const inside = (w) => w.id === sf.id || model.get(w.id)?.z === sf.id;
    for (const p of [...(sf.in || []), ...(sf.out || []), ...(sf.status ? [sf.status] : [])]) {
      if (!(p.wires || []).every(inside)) p.wires = p.wires.filter(inside);
    }
  }
}

/**
 * What of a copied set goes into the flows again: no tabs, and config nodes and subflow definitions
 * (with their inner nodes) that exist already are shared, not copied once more.
 */
export function pasteable(model, items) {
  const existingSubflows = new Set(items.filter((o) => o.type === "subflow" && model.get(o.id)).map((o) => o.id));
  return items.filter((o) => o.type !== "tab" && !existingSubflows.has(o.id) && !existingSubflows.has(o.z)
    && !(model.isConfig(o) && model.get(o.id)));
}

/** A small labelled row for dialogs: <label><span>text</span>control</label>. */
export function row(text, control) {
  return h("label", { class: "group-field" }, [h("span", { text }), control]);
}
