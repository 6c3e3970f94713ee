// Everyday editing, installed on the app after it started: the context menus (canvas and tabs),
// Node-RED's shortcuts for them, subflow commands. One entry point keeps main.js's part small.

import { ContextMenu } from "./contextmenu.js";
import { h, notify } from "./dom.js";
import { EditActions } from "./edit-actions.js";
import { Navigator } from "./navigator.js";
import { FlowSearch } from "./search.js";
import { openSubflowDialog } from "./subflow-dialog.js";
import { SubflowPorts } from "./subflow-ports.js";
import { createSubflow, selectionToSubflow } from "./subflows.js";
import { TabMenu } from "./tab-props.js";

/** Wire the editing features into a started app (call once, after app.start()). */
export function installEditing(app) {
  const edit = new EditActions(app);
  const kb = app.keyboard;
  const subflow = {
    fromSelection() {
      const ids = [...app.view.selection];
      const result = app.history.run("selection to subflow", () => selectionToSubflow(app.model, ids, app.view.tab));
      if (result.error) {
        notify(`Cannot create subflow: ${result.error}`, "error");
        return;
      }
      app.view.selection = new Set([result.instance.id]);
      app.selectionChanged();
      app.palette.render();
      app.say(`Created ${result.subflow.name} from ${ids.length} node${ids.length === 1 ? "" : "s"}`, true);
    },
    create() {
      const sf = app.history.run("new subflow", () => createSubflow(app.model));
      app.palette.render();
      app.showTab(sf.id);
      openSubflowDialog(app, sf.id);
    },
  };
  const run = {
    edit: (ctx) => app.openInspector(ctx.node),
    "select-connected": () => edit.selectConnected(),
    "select-all": () => app.selectAll(),
    copy: () => kb.actions.copy(),
    cut: () => kb.actions.cut(),
    paste: (ctx) => edit.paste(ctx && ctx.canvas ? ctx.point : null),
    duplicate: () => edit.duplicate(),
    delete: () => app.deleteSelection(),
    "toggle-disabled": () => edit.toggleDisabled(),
    group: () => edit.group(),
    ungroup: (ctx) => edit.ungroup(ctx && ctx.group),
    "remove-from-group": () => edit.removeFromGroup(),
    "edit-group": (ctx) => edit.editGroup(ctx && ctx.group),
    "to-subflow": () => subflow.fromSelection(),
    "move-to-tab": () => edit.moveToTab(),
    "add-node": (ctx) => app.quickAdd.open(ctx.point.x, ctx.point.y),
  };
  const menu = new ContextMenu(app, run);
  const tabMenu = new TabMenu(app, menu);
  kb.bind("ctrl+shift+g", "group", () => edit.group(), ["Ctrl+Shift+G / Ctrl+Shift+U", "group the selection / ungroup"]);
  kb.bind("ctrl+shift+u", "ungroup", () => edit.ungroup());
  kb.bind("alt+shift+g", "remove-from-group", () => edit.removeFromGroup(), ["Alt+Shift+G", "take the selection out of its group (Alt+drag does it with the pointer)"]);
  kb.bind("ctrl+shift+e", "toggle-disabled", () => edit.toggleDisabled(), ["Ctrl+Shift+E", "enable or disable the selected nodes"]);
  kb.bind("ctrl+v", "paste", () => edit.paste());
  kb.bind("alt+shift+d", "duplicate", () => edit.duplicate(), ["Alt+Shift+D", "duplicate the selection"]);
  kb.bind("", "select-connected", () => edit.selectConnected());
  const search = new FlowSearch(app);
  kb.bind("ctrl+f", "search", () => search.open(), ["Ctrl+F", "search every flow and subflow (name, type, id, property values); Enter shows the node"]);
  kb.bind("ctrl+shift+p", "palette-filter", () => app.palette.filter.focus(), ["Ctrl+Shift+P", "filter the palette"]);
  kb.help.push(["Right-click / Menu key", "actions on the node, wire, group or canvas under the pointer (or focused); on a tab: its properties"]);
  const tabs = document.getElementById("tabs");
  tabs.append(h("button", {
    type: "button", class: "tab-add", "data-action": "new-subflow", title: "Create an empty subflow", "aria-label": "Create subflow",
    text: "+ subflow", onclick: () => subflow.create(),
  }));
  const navigator = new Navigator(app);
  const ports = new SubflowPorts(app);
  app.editing = { edit, menu, tabMenu, subflow, search, navigator, ports };
  return app.editing;
}
