// A collapsible JSON tree built from <details>, children rendered when first opened. Text only.

import { h } from "./dom.js";

const PREVIEW_KEYS = 4;
const VALUES = new WeakMap();

/**
 * A DOM tree for `value`; `label` is shown at the root; `open` expands the root. With `path` (the
 * root's message path, "" for the whole message) every element carries data-path and copy
 * buttons [data-action="copy-path"] / [data-action="copy-value"] (see valueAt).
 */
export function jsonTree(value, label, open = false, path = null) {
  return node(value, label, open, 0, path);
}

/** The value an element of a tree stands for (for copy value). */
export function valueAt(el) {
  const holder = el.closest("[data-path]");
  return holder ? VALUES.get(holder) : undefined;
}

/** Node-RED's path syntax: a.b, a[0], a["x y"]. */
export function childPath(base, key, isIndex) {
  if (isIndex) return `${base}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return base ? `${base}.${key}` : key;
  return `${base}[${JSON.stringify(key)}]`;
}

function tools(el, value, path) {
  if (path === null) return el;
  el.dataset.path = path;
  VALUES.set(el, value);
  const target = el.tagName === "DETAILS" ? el.querySelector("summary") : el;
  target.append(h("span", { class: "json-tools" }, [
    h("button", { type: "button", class: "json-tool", "data-action": "copy-path", title: `copy path ${path || "msg"}`, "aria-label": "copy path", text: "path" }),
    h("button", { type: "button", class: "json-tool", "data-action": "copy-value", title: "copy value", "aria-label": "copy value", text: "value" }),
  ]));
  return el;
}

function node(value, label, open, depth, path) {
  if (value && typeof value === "object" && value.__enc__) return tools(leaf(label, encoded(value), "encoded"), value, path);
  if (value === null || typeof value !== "object") return tools(leaf(label, scalar(value), kindOf(value)), value, path);
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
    for (const [k, v] of entries.slice(0, 500)) {
      children.append(node(v, k, false, depth + 1, path === null ? null : childPath(path, k, Array.isArray(value))));
    }
    if (entries.length > 500) children.append(h("div", { class: "json-more", text: `… ${entries.length - 500} more` }));
    details.append(children);
  };
  details.addEventListener("toggle", () => details.open && fill());
  if (open) {
    fill();
    details.open = true;
  }
  return tools(details, value, path);
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
