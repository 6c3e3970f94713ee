// Import (paste or file, Node-RED exports included) and export (selection, tab or all; never
// credentials) dialogs.

import { h } from "./dom.js";
import { openExamples } from "./examples.js";
import { parseFlowText } from "./flowjson.js";

export class ImportExport {
  constructor(app) {
    this.app = app;
  }

  openImport() {
    if (document.getElementById("import-dialog")) return;
    const text = h("textarea", { id: "import-json", rows: 14, class: "code", "aria-label": "Flow JSON to import", placeholder: "Paste Node-RED flow JSON here" });
    const file = h("input", { type: "file", accept: ".json,application/json", "aria-label": "Import from file", "data-action": "import-file" });
    file.addEventListener("change", async () => {
      if (file.files[0]) text.value = await file.files[0].text();
    });
    const target = h("select", { name: "import-target", "aria-label": "Import into" }, [
      h("option", { value: "current", text: "current tab" }),
      h("option", { value: "new", text: "new tab" }),
    ]);
    const error = h("div", { class: "field-error", role: "alert", id: "import-error" });
    const dialog = h("dialog", { id: "import-dialog", class: "io-dialog", "aria-label": "Import flows" }, [
      h("h2", { text: "Import flows" }),
      text,
      h("div", { class: "io-row" }, [file, h("button", {
        type: "button", "data-action": "import-examples", text: "Examples…",
        onclick: () => openExamples(this.app, (json) => {
          text.value = json;
          target.value = "new";
        }),
      }), h("label", {}, ["into ", target])]),
      error,
      h("div", { class: "dialog-buttons" }, [
        h("button", { type: "button", text: "Cancel", onclick: () => dialog.close() }),
        h("button", {
          type: "button", class: "primary", "data-action": "import-confirm", text: "Import",
          onclick: () => {
            try {
              this.importText(text.value, target.value === "new");
              dialog.close();
            } catch (err) {
              error.textContent = `Cannot import: ${err.message}`;
            }
          },
        }),
      ]),
    ]);
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
    text.focus();
  }

  /** Import flow JSON text; throws with a message naming the problem. */
  importText(source, intoNewTab = false) {
    const flows = parseFlowText(source);
    const { model, history, view } = this.app;
    const hasTabs = flows.some((o) => o.type === "tab");
    let ids;
    let created = null;
    history.run("import", () => {
      let z = view.tab;
      if (intoNewTab || !z || (!hasTabs && !model.get(z))) created = z = model.addTab(`Flow ${model.workspaces().length + 1}`).id;
      ids = model.importFlows(flows, z, { newTab: Boolean(created) });
      if (created && !model.all().some((o) => o.z === created)) {
        model.removeNodes([created]); // the flows brought their own tabs
        created = null;
      }
    });
    const firstTab = ids.map((id) => model.get(id)).find((o) => o && o.type === "tab");
    // an import into a new tab switches to it (the tab made for it, or the first tab imported)
    if (created) this.app.showTab(created);
    else if (firstTab) this.app.showTab(firstTab.id);
    const unknown = [...new Set(ids.map((id) => model.get(id)).filter((o) => o && !model.types.has(o.type) && model.isCanvasNode(o) && !model.subflowOf(o) && o.type !== "junction").map((o) => o.type))];
    view.selection = new Set(ids.filter((id) => model.get(id)?.z === view.tab && model.isCanvasNode(model.get(id))));
    this.app.selectionChanged();
    this.app.say(`Imported ${ids.length} object${ids.length === 1 ? "" : "s"}${unknown.length ? `; unknown types: ${unknown.join(", ")}` : ""}`, true);
    return ids;
  }

  openExport() {
    if (document.getElementById("export-dialog")) return;
    const { model, view } = this.app;
    const hasSelection = view.selection.size > 0;
    const scope = h("select", { name: "export-scope", "aria-label": "Export", "data-action": "export-scope" }, [
      h("option", { value: "selection", text: "selected nodes", disabled: !hasSelection }),
      h("option", { value: "tab", text: "current tab" }),
      h("option", { value: "all", text: "all flows" }),
    ]);
    scope.value = hasSelection ? "selection" : "all";
    const pretty = h("input", { type: "checkbox", checked: true, "aria-label": "formatted" });
    const out = h("textarea", { id: "export-json", rows: 14, class: "code", readonly: true, "aria-label": "Exported flow JSON" });
    const fill = () => {
      let flows;
      if (scope.value === "selection") flows = model.exportNodes([...view.selection]);
      else if (scope.value === "tab") flows = model.exportNodes([view.tab]);
      else flows = model.exportAll();
      out.value = JSON.stringify(flows, null, pretty.checked ? 2 : 0);
    };
    scope.addEventListener("change", fill);
    pretty.addEventListener("change", fill);
    fill();
    const dialog = h("dialog", { id: "export-dialog", class: "io-dialog", "aria-label": "Export flows" }, [
      h("h2", { text: "Export flows" }),
      h("div", { class: "io-row" }, [h("label", {}, ["export ", scope]), h("label", {}, [pretty, " formatted"])]),
      out,
      h("div", { class: "dialog-buttons" }, [
        h("button", { type: "button", "data-action": "export-download", text: "Download", onclick: () => download(out.value) }),
        h("button", {
          type: "button", "data-action": "export-copy", text: "Copy",
          onclick: async () => {
            out.select();
            try {
              await navigator.clipboard.writeText(out.value);
              this.app.say("Copied to the clipboard", true);
            } catch (err) {
              this.app.say(`Select the text and copy it (${err.message})`, true);
            }
          },
        }),
        h("button", { type: "button", class: "primary", "data-action": "export-close", text: "Close", onclick: () => dialog.close() }),
      ]),
    ]);
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
    out.focus();
  }
}

function download(text) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const a = h("a", { href: url, download: "flows.json" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
