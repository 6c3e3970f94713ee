// A typed input: a value plus its type (str, num, bool, json, msg, flow, global, env, jsonata, ...),
// the pair Node-RED stores as e.g. `to` + `tot` or `payload` + `payloadType`.

import { h } from "./dom.js";
import { codeArea } from "./code-editor.js";

export const TYPED_TYPES = ["str", "num", "bool", "json", "msg", "flow", "global", "env", "jsonata", "date", "bin", "re"];
const LABELS = {
  str: "a-z string", num: "0-9 number", bool: "boolean", json: "{} JSON", msg: "msg.", flow: "flow.",
  global: "global.", env: "env variable", jsonata: "J: expression", date: "timestamp", bin: "buffer",
  re: "regular expression", node: "node", cred: "credential", full: "complete msg object",
  pay: "the existing msg object", payl: "the latest msg object", nul: "nothing", prev: "previous value",
  elem: "element value", seq: "message sequence", len: "length", val: "value",
};

/** Is `schema` (the sibling `<key>t` / `<key>Type` property) a typed-input type field? */
export function isTypeField(schema) {
  if (!schema || (schema.type && schema.type !== "string")) return false;
  if (!Array.isArray(schema.enum)) return true;
  return schema.enum.some((t) => TYPED_TYPES.includes(t));
}

/**
 * Build a typed input. Returns {el, get() -> {value, type}, inputs: [valueEl, typeEl]}.
 * @param {object} opts name/typeName (form field names), value, type, types (allowed), label, id
 */
export function typedInput({ name, typeName, value, type, types, id, describedBy }) {
  let allowed = types && types.length ? types : TYPED_TYPES;
  const current = type || allowed[0];
  const typeSel = h("select", { name: typeName, class: "typed-type", "aria-label": `${name} type` });
  // A stored type the list does not offer stays (shown as itself) so an untouched value round-trips.
  const fill = (list, keep) => {
    typeSel.replaceChildren(...list.map((t) => h("option", { value: t, text: LABELS[t] || t })));
    if (keep && !list.includes(keep)) typeSel.append(h("option", { value: keep, text: LABELS[keep] || keep }));
  };
  fill(allowed, current);
  typeSel.value = current;
  const text = value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
  const valueEl = h("input", { type: "text", name, id, class: "typed-value", value: text, "aria-describedby": describedBy });
  const boolSel = h("select", { class: "typed-bool", "aria-label": `${name} value` }, [
    h("option", { value: "true", text: "true" }),
    h("option", { value: "false", text: "false" }),
  ]);
  boolSel.value = text === "false" ? "false" : "true";
  boolSel.addEventListener("change", () => {
    valueEl.value = boolSel.value;
  });
  const expand = h("button", {
    type: "button", class: "small typed-expand", "data-action": "expand-value", "aria-label": `edit ${name} in the code editor`, text: "…",
    onclick: () => editInDialog(valueEl, typeSel.value === "json" ? "json" : "text"),
  });
  const sync = () => {
    const t = typeSel.value;
    expand.hidden = t !== "json" && t !== "jsonata";
    const noValue = t === "date" && !valueEl.value;
    boolSel.hidden = t !== "bool";
    valueEl.hidden = t === "bool" || noValue || ["full", "pay", "payl", "nul", "prev"].includes(t);
    if (t === "bool") valueEl.value = boolSel.value;
    valueEl.placeholder = { msg: "payload", flow: "key", global: "key", env: "VAR", jsonata: "expression", json: "{}" }[t] || "";
  };
  typeSel.addEventListener("change", sync);
  sync();
  const el = h("span", { class: "typed-input" }, [typeSel, valueEl, boolSel, expand]);
  return {
    el,
    inputs: [valueEl, typeSel],
    /** Offer only `list` (Node-RED's per-rule lists); a type it lacks gives way to `fallback`. */
    setTypes(list, fallback = list[0]) {
      if (list.join() === allowed.join() && list.includes(typeSel.value)) return;
      const was = typeSel.value;
      allowed = list;
      fill(list, null);
      typeSel.value = list.includes(was) ? was : fallback;
      sync();
    },
    get() {
      return { value: valueEl.value, type: typeSel.value };
    },
    check() {
      if (typeSel.value === "json" && valueEl.value.trim()) {
        try {
          JSON.parse(valueEl.value);
        } catch (err) {
          return `is not valid JSON: ${err.message}`;
        }
      }
      if (typeSel.value === "num" && valueEl.value.trim() && Number.isNaN(Number(valueEl.value))) {
        return "is not a number";
      }
      return null;
    },
  };
}

/** Edit a typed input's value in a dialog with the code editor (JSON pretty-printed). */
function editInDialog(valueEl, lang) {
  let shown = valueEl.value;
  if (lang === "json") {
    try {
      shown = JSON.stringify(JSON.parse(valueEl.value), null, 2);
    } catch (err) {
      shown = valueEl.value;
    }
  }
  const area = codeArea({ name: "expanded-value", value: shown, lang, rows: 14 });
  const dialog = h("dialog", { id: "code-dialog", class: "code-dialog", "aria-label": "Edit value" }, [
    h("h2", { text: lang === "json" ? "Edit JSON" : "Edit expression" }),
    area.el,
    h("div", { class: "dialog-buttons" }, [
      h("button", { type: "button", "data-action": "code-cancel", text: "Cancel", onclick: () => dialog.close() }),
      h("button", {
        type: "button", class: "primary", "data-action": "code-done", text: "Done",
        onclick: () => {
          if (area.get() !== shown) {
            valueEl.value = area.get();
            valueEl.dispatchEvent(new Event("input", { bubbles: true }));
          }
          dialog.close();
        },
      }),
    ]),
  ]);
  dialog.addEventListener("close", () => dialog.remove());
  (valueEl.closest("dialog") || document.body).append(dialog);
  dialog.showModal();
}
