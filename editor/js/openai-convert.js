// The editor's offer to turn a compat OpenAI node (node-red-openai's `openai`/`openai-api`, @inductiv's
// `OpenAI API`) or an old, renamed OpenAI type into the equivalent `openai-*` node. It watches for the
// node inspector (#inspector), shows the offer under the type line, asks the server for the
// converted node (POST openai/convert, which knows the method mappings) and replaces the node in one
// undoable step. Loaded on its own by index.html: the inspector itself is untouched.

import { h, notify } from "./dom.js";

const COMPAT_CATEGORY = "OpenAI (compat)";
const CONFIG_TYPE = "openai-config";

function editorApp() {
  return window.__editor ? window.__editor.app : null;
}

/** The target type when known without asking (an alias), "" for a compat type, null otherwise. */
function offerFor(def) {
  if (!def || def.config) return null;
  const alias = def.schema && def.schema["x-alias-of"];
  if (alias) return alias;
  return def.category === COMPAT_CATEGORY ? "" : null;
}

function nodeIdOf(dialog) {
  const line = dialog.querySelector(".inspector-type");
  const found = line ? /id (\S+)$/.exec(line.textContent || "") : null;
  return found ? found[1] : null;
}

function replaceNode(model, converted) {
  const items = JSON.parse(model.snapshot()).map((o) => (o.id === converted.id ? converted : o));
  model.restore(JSON.stringify(items));
}

async function convert(app, node, dialog, box) {
  const configs = app.model.configNodes(CONFIG_TYPE);
  let body;
  try {
    ({ body } = await app.api.request("POST", "openai/convert", { body: { node, config: configs.length ? configs[0].id : "" } }));
  } catch (err) {
    box.textContent = `Cannot convert: ${(err.body && err.body.message) || err.message}`;
    return;
  }
  const current = app.model.get(node.id) || node;
  const converted = { ...body.node, id: node.id, z: current.z, x: current.x, y: current.y, wires: current.wires };
  app.history.run("convert", () => replaceNode(app.model, converted));
  dialog.close(); // as Cancel: the edits in the form are dropped, the conversion stays
  app.render();
  const notes = (body.notes || []).join(" ");
  notify(`Converted to ${converted.type}.${notes ? ` ${notes}` : ""}`, "info");
}

function offer(dialog) {
  const app = editorApp();
  const id = nodeIdOf(dialog);
  const node = app && id ? app.model.get(id) : null;
  const target = node ? offerFor(app.model.types.get(node.type)) : null;
  if (target === null || dialog.querySelector(".openai-convert")) return;
  const text = target
    ? `${node.type} is the old name of ${target}. `
    : "An equivalent openai-* node does this with typed properties, streaming and parsed outputs. ";
  const button = h("button", {
    type: "button", "data-action": "openai-convert", text: target ? `Rename to ${target}` : "Convert to openai-* node",
  });
  const box = h("p", { class: "openai-convert", role: "note" }, [h("span", { text }), button]);
  dialog.querySelector(".inspector-type").after(box);
  button.addEventListener("click", () => convert(app, node, dialog, box));
}

new MutationObserver((records) => {
  for (const record of records) {
    for (const added of record.addedNodes) {
      if (added.nodeType === 1 && added.id === "inspector") offer(added);
    }
  }
}).observe(document.body, { childList: true });
