// Inspector controls that talk to the rest of the editor: config-node references, the OpenAI
// model list and credential fields (secrets are never shown; "__PWRD__" means "unchanged").

import { ApiError } from "./api.js";
import { combobox } from "./combobox.js";
import { h } from "./dom.js";
import { PASSWORD_PLACEHOLDER } from "./schema-form.js";

export { PASSWORD_PLACEHOLDER };

/**
 * The config-node type a property refers to, or null. Only what the schema declares
 * (`x-config-type`), plus `config` when the type's module has exactly one config type (the OpenAI
 * nodes' convention). Guessing from the property's name picked Dashboard 2's `ui-theme` for
 * ui_base's `theme` object, `ui-group` for udp's multicast `group` and `ui-page` for the OpenAI
 * list operations' `page`, and the select then wrote its value back as text ("[object Object]").
 * A stored object or array is never a reference, whatever the schema says.
 */
export function refTypeFor(model, def, key, schema, value) {
  if (value !== undefined && value !== null && typeof value !== "string") return null;
  const explicit = schema && (schema["x-config-type"] || schema["x-node-type"] || schema["x-config"]);
  if (typeof explicit === "string") return explicit;
  if (key !== "config" || !def.module) return null;
  const same = [...model.types.values()].filter((t) => t.config && t.module === def.module);
  return same.length === 1 ? same[0].type : null;
}

/**
 * A select of the config nodes of `refType` plus "add new"; edit opens `editConfig(id|null, type)`
 * which resolves with the id of the saved config node (or null when cancelled).
 */
export function configRefControl(app, refType, key, value, editConfig) {
  const id = `ref-${key}-${Math.random().toString(36).slice(2, 8)}`;
  const sel = h("select", { name: key, id, class: "config-ref", "data-config-type": refType });
  const fill = (selected) => {
    sel.replaceChildren(h("option", { value: "", text: "(none)" }));
    for (const c of app.model.configNodes(refType)) {
      sel.append(h("option", { value: c.id, text: app.model.labelOf(c) === c.type ? `${c.type} ${c.id}` : app.model.labelOf(c) }));
    }
    if (selected && !app.model.get(selected)) sel.append(h("option", { value: selected, text: `${selected} (missing)` }));
    sel.append(h("option", { value: "__ADD__", text: `add new ${refType}…` }));
    sel.value = selected || "";
  };
  const edit = async (existing) => {
    const saved = await editConfig(existing, refType);
    fill(saved || (existing && app.model.get(existing) ? existing : current));
    current = sel.value;
    sel.dispatchEvent(new Event("change", { bubbles: true }));
  };
  let current = value || "";
  fill(current);
  if (!current) {
    const only = app.model.configNodes(refType);
    if (only.length === 1) sel.value = current = only[0].id;
  }
  sel.addEventListener("change", () => {
    if (sel.value === "__ADD__") edit(null);
    else current = sel.value;
  });
  const button = h("button", {
    type: "button", class: "small", "data-action": "edit-config", "aria-label": `edit ${refType}`, text: "edit",
    onclick: () => edit(sel.value && sel.value !== "__ADD__" ? sel.value : null),
  });
  return { el: h("span", { class: "config-ref-box" }, [sel, button]), id, focusEl: sel, get: () => sel.value || undefined };
}

/** The deployed config node's models; when it is not deployed (404), the models its settings in
 * the editor give (base URL, organization, project, a typed key), asked through POST. */
async function listModels(app, config) {
  try {
    return await app.api.models(config);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
  const node = app.model.get(config) || {};
  const draft = { config };
  for (const field of ["base_url", "organization", "project", "auth_header", "auth_query"]) {
    if (typeof node[field] === "string" && node[field]) draft[field] = node[field];
  }
  for (const field of ["headers", "query"]) {
    if (node[field] && typeof node[field] === "object" && !Array.isArray(node[field])) draft[field] = node[field];
  }
  const key = node.credentials && node.credentials.api_key;
  if (typeof key === "string" && key) draft.api_key = key;
  try {
    return await app.api.draftModels(draft);
  } catch (err) {
    err.draft = true;
    throw err;
  }
}

/**
 * The model picker: an editable combobox (any model id may be typed) whose list comes from
 * GET /openai/models for the chosen config node (POST with its editor settings when it is not
 * deployed yet). When no list can be loaded (no config chosen, server unreachable) it says why and
 * lists the schema's known models instead.
 */
export function modelControl(app, key, value, configSelect, fallback = []) {
  const combo = combobox({ name: key, value: value ?? "", label: "models" });
  const { input } = combo;
  const known = [...new Set(fallback)];
  combo.setOptions(known);
  const state = h("span", { class: "field-note model-status", "data-model-status": "", role: "status" });
  const knownNote = known.length ? `showing the ${known.length} known models` : "type a model id";
  const show = (text, source) => {
    state.textContent = text;
    state.dataset.source = source;
  };
  let seq = 0;
  const load = async () => {
    const config = configSelect() || "";
    if (config === "__ADD__") return;
    const mine = ++seq;
    if (!config) {
      combo.setOptions(known);
      show(`Choose a config node to list its server's models; ${knownNote}.`, "known");
      return;
    }
    show("Loading the model list…", "loading");
    try {
      const ids = await listModels(app, config);
      if (mine !== seq) return;
      if (ids.length) {
        combo.setOptions(ids);
        show(`${ids.length} models from the server.`, "server");
      } else {
        combo.setOptions(known);
        show(`The server listed no models; ${knownNote}.`, "known");
      }
    } catch (err) {
      if (mine !== seq) return;
      combo.setOptions(known);
      const why = err.draft
        ? `the config node is not deployed yet and its server did not list models (${err.message})`
        : err.message;
      show(`Could not load the model list: ${why}; ${knownNote}.`, "error");
    }
  };
  const refresh = h("button", { type: "button", class: "small", "data-action": "load-models", text: "refresh", onclick: load });
  return {
    el: h("span", { class: "model-box" }, [combo.el, refresh, state]),
    id: input.id, focusEl: input, load, combo,
    get: () => (input.value === "" && value === undefined ? undefined : input.value),
  };
}

/**
 * Credential inputs for a node; get() returns only changed values. A stored (or pending) password
 * is never put back into an input: it shows the "__PWRD__" placeholder, masked, meaning
 * "unchanged"; typing replaces it, clearing it deletes it. Text credentials (a user name) are not
 * secret by declaration (the server returns them, as Node-RED's does) and show their value; a
 * node type keeps anything secret in a password field (the TLS key is one).
 */
export function credentialsSection(app, node, fields, takenNames) {
  const entries = Object.entries(fields || {});
  if (!entries.length) return null;
  const pending = node.credentials || {};
  const rows = [];
  const box = h("fieldset", { class: "credentials" }, [h("legend", { text: "Credentials" })]);
  const hold = (row) => {
    row.original = PASSWORD_PLACEHOLDER;
    row.input.value = PASSWORD_PLACEHOLDER;
    row.input.type = "password";
    row.note.textContent = "stored, not shown: type to replace, clear to delete";
  };
  for (const [field, kind] of entries) {
    const name = takenNames.has(field) ? `credentials.${field}` : field;
    const id = `cred-${field}-${Math.random().toString(36).slice(2, 8)}`;
    const noteId = `${id}-note`;
    const input = h("input", {
      type: kind === "password" ? "password" : "text", name, id, autocomplete: "off", "data-credential": field,
      "aria-describedby": noteId,
    });
    const note = h("span", { class: "field-note", id: noteId });
    const row = { field, kind, input, note, original: "" };
    if (typeof pending[field] === "string" && pending[field] !== "") {
      if (kind === "password") hold(row);
      else row.original = input.value = pending[field];
    }
    input.addEventListener("input", () => {
      if (kind !== "password" && input.value !== PASSWORD_PLACEHOLDER) input.type = "text";
    });
    input.addEventListener("focus", () => {
      if (input.value === PASSWORD_PLACEHOLDER) input.select();
    });
    rows.push(row);
    box.append(h("div", { class: "field" }, [h("label", { for: id, class: "field-label", text: field }), input, note]));
  }
  const loaded = app.api.credentials(node.type, node.id).then((stored) => {
    for (const row of rows) {
      if (pending[row.field] !== undefined || row.input.value !== "") continue;
      const value = stored[row.field];
      if (row.kind !== "password" && typeof value === "string") row.original = row.input.value = value;
      else if (stored[`has_${row.field}`]) hold(row);
    }
  }).catch((err) => console.warn("credentials not loaded", err));
  return {
    el: box,
    loaded,
    get() {
      const out = {};
      for (const { field, input, original } of rows) {
        if (input.value === PASSWORD_PLACEHOLDER || input.value === original) continue;
        out[field] = input.value;
      }
      return out;
    },
  };
}
