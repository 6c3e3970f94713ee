// An editable list of environment properties [{name, type, value}] (tabs' and subflows' `env`),
// as rows of name / type / value fields with add and remove buttons.

import { h } from "./dom.js";

export const ENV_TYPES = [["str", "string"], ["num", "number"], ["bool", "boolean"], ["json", "JSON"], ["bin", "buffer"], ["env", "env variable"], ["cred", "credential"]];

/** Build the editor for `env`; read() returns the rows with a name, or throws naming a duplicate. */
export function envEditor(env) {
  const rows = h("tbody");
  const add = (e = { name: "", type: "str", value: "" }) => {
    const type = h("select", { name: "env-type", "aria-label": "type" }, ENV_TYPES.map(([v, t]) => h("option", { value: v, text: t })));
    type.value = ENV_TYPES.some(([v]) => v === e.type) ? e.type : "str";
    const value = typeof e.value === "string" ? e.value : JSON.stringify(e.value ?? "");
    const tr = h("tr", { "data-env-row": "" }, [
      h("td", {}, [h("input", { type: "text", name: "env-name", value: e.name || "", "aria-label": "name" })]),
      h("td", {}, [type]),
      h("td", {}, [h("input", { type: "text", name: "env-value", value, "aria-label": "value" })]),
      h("td", {}, [h("button", { type: "button", class: "small", "data-action": "env-remove", "aria-label": "remove", text: "×", onclick: () => tr.remove() })]),
    ]);
    rows.append(tr);
  };
  for (const e of env || []) add(e);
  const el = h("div", { class: "env-editor" }, [
    h("table", { class: "env-table" }, [h("thead", {}, [h("tr", {}, [h("th", { text: "name" }), h("th", { text: "type" }), h("th", { text: "value" }), h("th")])]), rows]),
    h("button", { type: "button", class: "small", "data-action": "env-add", text: "+ add property", onclick: () => add() }),
  ]);
  const read = () => {
    const out = [];
    for (const tr of rows.querySelectorAll("[data-env-row]")) {
      const get = (n) => tr.querySelector(`[name='${n}']`).value;
      if (!get("env-name").trim()) continue;
      out.push({ name: get("env-name").trim(), type: get("env-type"), value: get("env-value") });
    }
    const dup = out.find((e1, i) => out.findIndex((e2) => e2.name === e1.name) !== i);
    if (dup) throw new Error(`The property name "${dup.name}" is used twice`);
    return out;
  };
  return { el, read };
}
