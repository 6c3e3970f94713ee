// A collapsible JSON tree built from <details>, children rendered when first opened. Text only.

import { h } from "./dom.js";

const PREVIEW_KEYS = 4;

/** A DOM tree for `value`; `label` is shown at the root; `open` expands the root. */
export function jsonTree(value, label, open = false) {
  return node(value, label, open, 0);
}

function node(value, label, open, depth) {
  if (value && typeof value === "object" && value.__enc__) return leaf(label, encoded(value), "encoded");
  if (value === null || typeof value !== "object") return leaf(label, scalar(value), kindOf(value));
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const summaryText = Array.isArray(value) ? `array[${value.length}]` : `{ ${preview(value)} }`;
  const details = h("details", { class: "json-node" }, [
    h("summary", {}, [label !== undefined ? h("span", { class: "json-key", text: `${label}: ` }) : null, h("span", { class: "json-summary", text: summaryText })]),
  ]);
  let filled = false;
  const fill = () => {
    if (filled) return;
    filled = true;
    const children = h("div", { class: "json-children" });
    for (const [k, v] of entries.slice(0, 500)) children.append(node(v, k, false, depth + 1));
    if (entries.length > 500) children.append(h("div", { class: "json-more", text: `… ${entries.length - 500} more` }));
    details.append(children);
  };
  details.addEventListener("toggle", () => details.open && fill());
  if (open) {
    fill();
    details.open = true;
  }
  return details;
}

function leaf(label, text, kind) {
  return h("div", { class: "json-leaf" }, [
    label !== undefined ? h("span", { class: "json-key", text: `${label}: ` }) : null,
    h("span", { class: `json-${kind}`, text }),
  ]);
}

function kindOf(v) {
  return v === null ? "null" : typeof v;
}

function scalar(v) {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

function encoded(v) {
  if (v.type === "undefined") return "undefined";
  if (v.type === "Buffer") return `buffer[${v.length ?? (v.data || []).length}]`;
  if (v.type === "number") return String(v.data);
  if (v.type === "error") return `${(v.data && v.data.name) || "Error"}: ${(v.data && v.data.message) || ""}`;
  if (v.type === "function") return "function";
  return `[${v.type}]`;
}

function preview(obj) {
  const keys = Object.keys(obj);
  const shown = keys.slice(0, PREVIEW_KEYS).map((k) => {
    const v = obj[k];
    const s = v === null || typeof v !== "object" ? scalar(v) : Array.isArray(v) ? `array[${v.length}]` : "{…}";
    return `${k}: ${s.length > 30 ? s.slice(0, 30) + "…" : s}`;
  });
  return shown.join(", ") + (keys.length > PREVIEW_KEYS ? ", …" : "");
}
