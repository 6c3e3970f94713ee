// Import -> Examples: the example flows the runtime lists (GET library/_examples_/flows: the
// checkout's flows/ and each node package's examples folder), as a tree of buttons
// [data-example="<source>/<path>"]; picking one puts its JSON in the import dialog, to go into a
// new tab.

import { clear, h } from "./dom.js";

/** Flatten Node-RED's listing {d: {name: listing}, f: [names]} into [{path, name, depth}]. */
export function flattenListing(listing, prefix = "", depth = 0, out = []) {
  for (const [name, sub] of Object.entries((listing && listing.d) || {})) {
    out.push({ folder: true, name, depth, path: `${prefix}${name}` });
    flattenListing(sub, `${prefix}${name}/`, depth + 1, out);
  }
  for (const name of (listing && listing.f) || []) out.push({ folder: false, name, depth, path: `${prefix}${name}` });
  return out;
}

/** Open the examples picker; `onPick(text)` receives the chosen flow's JSON text. */
export async function openExamples(app, onPick) {
  const list = h("div", { class: "examples-list", role: "tree", "aria-label": "Example flows" }, [h("p", { text: "Loading…" })]);
  const error = h("div", { class: "field-error", role: "alert" });
  const dialog = h("dialog", { id: "examples-dialog", "aria-label": "Example flows" }, [
    h("h2", { text: "Examples" }), list, error,
    h("div", { class: "dialog-buttons" }, [h("button", { type: "button", text: "Close", "data-action": "examples-close", onclick: () => dialog.close() })]),
  ]);
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  let entries;
  try {
    const { body } = await app.api.request("GET", "library/_examples_/flows");
    entries = flattenListing(body);
  } catch (err) {
    clear(list);
    error.textContent = `Cannot list the examples: ${err.message}`;
    return;
  }
  clear(list);
  if (!entries.length) list.append(h("p", { text: "No examples are installed." }));
  for (const e of entries) {
    const indent = { style: `margin-left: ${e.depth * 16}px` };
    if (e.folder) {
      list.append(h("div", { class: "examples-folder", role: "treeitem", ...indent, text: e.name }));
      continue;
    }
    list.append(h("button", {
      type: "button", class: "examples-flow", role: "treeitem", "data-example": e.path, ...indent, text: e.name,
      onclick: async () => {
        try {
          const path = e.path.split("/").map(encodeURIComponent).join("/");
          const { body } = await app.api.request("GET", `library/_examples_/flows/${path}`);
          onPick(JSON.stringify(body, null, 2));
          dialog.close();
        } catch (err) {
          error.textContent = `Cannot load ${e.path}: ${err.message}`;
        }
      },
    }));
  }
  const first = list.querySelector("button");
  if (first) first.focus();
}
