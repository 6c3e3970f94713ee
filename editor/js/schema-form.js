// A form generated from a JSON schema. Every leaf input has name="<dotted property path>".
// Values come back with unset optional fields omitted, so defaults stay the server's business.

import { h } from "./dom.js";
import { isTypeField, typedInput } from "./typed-input.js";
import { validateNode } from "./validate.js";

/** Stands for a stored secret in an input: the value itself is never put back into the page. */
export const PASSWORD_PLACEHOLDER = "__PWRD__";

const MAX_DEPTH = 7;
const LONG_TEXT = new Set(["func", "template", "info", "initialize", "finalize", "instructions", "prompt", "system", "code"]);
let uid = 0;

/**
 * Build a form for `value` (an object) against `schema` (an object schema).
 * hooks: {special(key, schema, value, path) -> controller|null, hidden: Set of keys}
 * Returns a controller {el, get(), problems()}.
 */
export function buildForm(schema, value, hooks = {}) {
  return objectFields(schema || {}, value || {}, "", hooks, 0, true);
}

// Friendlier labels for Node-RED's terse core property names (the field names stay as they are).
const LABELS = {
  t: "rule", p: "property", v: "value", v2: "and value", dc: "deep copy", case: "ignore case",
  checkall: "check all rules", repair: "recreate sequences", tosidebar: "to debug sidebar",
  tostatus: "to node status", complete: "output", noerr: "errors", libs: "modules",
};

function label(key, schema, required, forId) {
  const text = schema.title || (LABELS[key] ? `${LABELS[key]} (${key})` : key);
  return h("label", { for: forId, class: "field-label" }, [text, required ? h("span", { class: "req", text: " *", "aria-hidden": "true" }) : null]);
}

function row(key, schema, required, control, forId, path) {
  const helpId = schema.description ? `help-${++uid}` : null;
  const help = helpId ? h("div", { class: "field-help", id: helpId, text: schema.description.slice(0, 300) }) : null;
  if (helpId && control.focusEl) control.focusEl.setAttribute("aria-describedby", helpId);
  const wide = control.el.matches && control.el.matches(".form-array-box, .form-nested, .variant-box");
  return h("div", { class: `field${wide ? " wide" : ""}`, "data-field": path }, [
    label(key, schema, required, forId),
    control.el,
    help,
    h("div", { class: "field-error", "data-error-for": path, role: "alert" }),
  ]);
}

function objectFields(schema, value, path, hooks, depth, top) {
  const props = schema.properties || {};
  const required = new Set(schema.required || []);
  const keys = Object.keys(props).filter((k) => !(top && hooks.hidden && hooks.hidden.has(k)));
  const weight = (k) => (k === "name" ? 0 : k === "config" ? 1 : k === "model" ? 2 : required.has(k) ? 3 : props[k] && props[k].deprecated ? 5 : 4);
  keys.sort((a, b) => weight(a) - weight(b));
  const typeKeys = new Set(keys.filter((k) => keys.some((j) => j !== k && (k === `${j}t` || k === `${j}Type`))));
  const pairs = new Map();
  for (const key of keys) {
    if (typeKeys.has(key)) continue;
    const typeKey = [`${key}t`, `${key}Type`].find((t) => props[t] && isTypeField(props[t]));
    if (typeKey && scalar(props[key])) pairs.set(key, typeKey);
  }
  const consumed = new Set(pairs.values());
  const parts = [];
  for (const key of keys) {
    if (consumed.has(key)) continue;
    const p = join(path, key);
    const typeKey = pairs.get(key);
    const special = top && hooks.special ? hooks.special(key, props[key], value[key], p, value) : null;
    let ctl;
    if (special) ctl = special;
    else if (typeKey) ctl = typedControl(key, typeKey, props[typeKey], value, path);
    else ctl = field(props[key], value[key], p, hooks, depth + 1, required.has(key));
    parts.push({ key, ctl, el: row(key, props[key], required.has(key), ctl, ctl.id, p) });
  }
  const known = new Set([...parts.map((x) => x.key), ...consumed]);
  const extras = Object.fromEntries(Object.entries(value).filter(([k]) => !known.has(k)));
  const el = h("div", { class: "form-object" }, parts.map((p) => p.el));
  showIf(parts, props, path, el);
  return {
    el,
    get() {
      const out = { ...extras };
      for (const { key, ctl } of parts) {
        const v = ctl.get();
        if (v && v.__pair) {
          for (const [k, pv] of Object.entries(v.__pair)) if (pv !== undefined) out[k] = pv;
        } else if (v !== undefined) out[key] = v;
      }
      return out;
    },
    problems() {
      const list = [];
      for (const { ctl } of parts) if (ctl.problems) list.push(...ctl.problems());
      return list;
    },
    validate() {
      return [...this.problems(), ...validateNode(this.get(), schema)];
    },
  };
}

/**
 * Rows whose schema says `"x-show-if": {"<sibling>": <value>}` are shown only while that sibling
 * field holds that value (hidden rows keep their values): one node type with a method picker keeps
 * every method's parameters, as the seed package node-red-openai's `openai` node does.
 */
function showIf(parts, props, path, el) {
  const conditional = parts.filter((p) => props[p.key] && props[p.key]["x-show-if"]);
  if (!conditional.length) return;
  const update = () => {
    for (const p of conditional) {
      p.el.hidden = !Object.entries(props[p.key]["x-show-if"]).every(([k, want]) => {
        const control = el.querySelector(`[name="${CSS.escape(join(path, k))}"]`);
        return control !== null && control.value === String(want);
      });
    }
  };
  el.addEventListener("change", update);
  update();
}

function scalar(schema) {
  const t = schema && [].concat(schema.type || [])[0];
  return !t || ["string", "number", "boolean"].includes(t);
}

function typedControl(key, typeKey, typeSchema, value, path) {
  const id = `f-${++uid}`;
  const types = Array.isArray(typeSchema.enum) ? typeSchema.enum : null;
  const ti = typedInput({
    name: join(path, key), typeName: join(path, typeKey), id,
    value: value[key], type: value[typeKey] ?? typeSchema.default, types,
  });
  const start = ti.get();
  return {
    el: ti.el, id, focusEl: ti.inputs[0],
    get: () => {
      const { value: v, type } = ti.get();
      const same = v === start.value && type === start.type; // untouched: the stored pair as it was
      return { __pair: same ? { [key]: value[key], [typeKey]: value[typeKey] } : { [key]: v, [typeKey]: type } };
    },
    problems: () => {
      const msg = ti.check();
      return msg ? [{ property: join(path, key), message: msg }] : [];
    },
  };
}

/** A controller for one value of any schema. */
export function field(schema, value, path, hooks, depth, required) {
  const s = normalise(schema);
  if (depth > MAX_DEPTH) return jsonControl(value, path, required);
  const variants = s.oneOf || s.anyOf;
  if (Array.isArray(variants)) return variantControl(s, variants, value, path, hooks, depth, required);
  const type = s.type;
  if (Array.isArray(s.enum)) return enumControl(s, value, path, required);
  if (type === "string") return stringControl(s, value, path, required);
  if (type === "number" || type === "integer") return numberControl(s, value, path, required);
  if (type === "boolean") return boolControl(s, value, path, required);
  if (type === "array") return arrayControl(s, value, path, hooks, depth, required);
  if ((type === "object" || s.properties) && s.properties) return nestedObject(s, value, path, hooks, depth, required);
  return jsonControl(value, path, required);
}

function normalise(schema) {
  let s = { ...(schema || {}) };
  for (const key of ["anyOf", "oneOf"]) {
    if (!Array.isArray(s[key])) continue;
    // "x-tolerated" marks a branch a deploy accepts (as Node-RED does) that the form does not offer
    const rest = s[key].filter((v) => !(v && (v.type === "null" || v["x-tolerated"])));
    if (rest.length === 1 && rest[0] && Object.keys(rest[0]).length) {
      const { [key]: _drop, ...outer } = s;
      s = { ...outer, ...normalise(rest[0]), description: s.description ?? rest[0].description };
    } else if (rest.length !== s[key].length) s[key] = rest;
  }
  if (Array.isArray(s.type)) {
    const types = s.type.filter((t) => t !== "null");
    const numeric = types.find((t) => t === "integer" || t === "number");
    if (types.length === 1) s.type = types[0];
    else if (numeric && typeof s.default === "number") s.type = numeric;
    else if (types.includes("boolean") && (typeof s.default === "boolean" || !types.includes("string"))) s.type = "boolean";
    else if (types.includes("string")) s.type = "string";
    else if (types.includes("number")) s.type = "number";
    else s.type = types.includes("integer") ? "integer" : undefined;
  }
  if (Array.isArray(s.allOf) && s.allOf.length === 1 && !s.properties) Object.assign(s, normalise(s.allOf[0]));
  return s;
}

function stringControl(s, value, path, required) {
  const id = `f-${++uid}`;
  const password = Boolean(s.format === "password" || s.writeOnly);
  const long = !password && (s["x-widget"] === "textarea" || s["x-widget"] === "code" || LONG_TEXT.has(lastKey(path)) || (s.maxLength || 0) > 500);
  const text = value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
  const input = long
    ? h("textarea", { name: path, id, rows: lastKey(path) === "func" ? 10 : 4, class: s["x-widget"] === "code" || lastKey(path) === "func" ? "code" : "" }, [])
    : h("input", { type: password ? "password" : "text", name: path, id, autocomplete: "off" });
  // A password/writeOnly value is never echoed: the input holds the placeholder, which keeps it.
  const secret = password && text !== "";
  input.value = secret ? PASSWORD_PLACEHOLDER : text;
  if (secret) input.addEventListener("focus", () => input.value === PASSWORD_PLACEHOLDER && input.select());
  const fallback = s.default ?? s["x-default"];
  if (fallback !== undefined && fallback !== null && !text && !password) input.placeholder = String(fallback);
  return {
    el: input, id, focusEl: input,
    get: () => {
      if (secret && input.value === PASSWORD_PLACEHOLDER) return value;
      return input.value === "" && !required && value === undefined ? undefined : input.value;
    },
  };
}

function numberControl(s, value, path, required) {
  const id = `f-${++uid}`;
  const input = h("input", { type: typeof value === "string" && Number.isNaN(Number(value)) ? "text" : "number", name: path, id, step: s.type === "integer" ? (s.multipleOf || 1) : (s.multipleOf || "any") });
  if (s.minimum !== undefined) input.min = s.minimum;
  if (s.maximum !== undefined) input.max = s.maximum;
  if (value !== undefined && value !== null) input.value = String(value);
  const fallback = s.default ?? s["x-default"];
  if (fallback !== undefined && fallback !== null && (value === undefined || value === null)) input.placeholder = String(fallback);
  return {
    el: input, id, focusEl: input,
    get: () => {
      if (value !== null && input.value === (value === undefined ? "" : String(value))) return value; // untouched
      if (input.value.trim() === "") return required && value !== undefined ? value : undefined;
      return Number(input.value);
    },
    problems: () => (input.value.trim() !== "" && input.value !== String(value) && Number.isNaN(Number(input.value)) ? [{ property: path, message: "is not a number" }] : []),
  };
}

function boolControl(s, value, path, required) {
  const id = `f-${++uid}`;
  if (required || s.default !== undefined || value !== undefined) {
    const input = h("input", { type: "checkbox", name: path, id });
    const truthy = (v) => v === true || v === "true";
    input.checked = value !== undefined ? truthy(value) : truthy(s.default);
    const untouched = value === undefined && !required;
    const initial = input.checked;
    return { el: input, id, focusEl: input, get: () => (untouched && input.checked === initial ? undefined : input.checked) };
  }
  const fallback = s["x-default"];
  const sel = h("select", { name: path, id }, [h("option", { value: "", text: fallback !== undefined ? `(default: ${fallback})` : "(not set)" }), h("option", { value: "true", text: "true" }), h("option", { value: "false", text: "false" })]);
  return { el: sel, id, focusEl: sel, get: () => (sel.value === "" ? undefined : sel.value === "true") };
}

function enumControl(s, value, path, required) {
  const id = `f-${++uid}`;
  const sel = h("select", { name: path, id });
  const byOption = new Map();
  const fallback = s.default ?? s["x-default"];
  if (!required || value === undefined) sel.append(h("option", { value: "", text: fallback !== undefined && fallback !== null ? `(default: ${fallback})` : "(not set)" }));
  s.enum.forEach((v, i) => {
    const key = typeof v === "string" && v !== "" ? v : `\u0001${i}`;
    byOption.set(key, v);
    sel.append(h("option", { value: key, text: v === null ? "null" : String(v) }));
  });
  const match = [...byOption].find(([, v]) => JSON.stringify(v) === JSON.stringify(value));
  if (match) sel.value = match[0];
  else if (value !== undefined) {
    sel.append(h("option", { value: "\u0002keep", text: `${JSON.stringify(value)} (not allowed)` }));
    sel.value = "\u0002keep";
  }
  return {
    el: sel, id, focusEl: sel,
    get: () => (sel.value === "" ? undefined : byOption.has(sel.value) ? byOption.get(sel.value) : value),
  };
}

function jsonControl(value, path, required) {
  const id = `f-${++uid}`;
  const input = h("textarea", { name: path, id, rows: 2, class: "code json", placeholder: "JSON" });
  input.value = value === undefined ? "" : JSON.stringify(value, null, 2);
  const parse = () => {
    if (input.value.trim() === "") return { ok: true, v: undefined };
    try {
      return { ok: true, v: JSON.parse(input.value) };
    } catch (err) {
      return { ok: false, err };
    }
  };
  return {
    el: input, id, focusEl: input,
    get: () => {
      const r = parse();
      return r.ok ? r.v : value;
    },
    problems: () => {
      const r = parse();
      return r.ok ? [] : [{ property: path, message: `is not valid JSON: ${r.err.message}` }];
    },
  };
}

function nestedObject(s, value, path, hooks, depth, required) {
  const inner = objectFields(s, value && typeof value === "object" ? value : {}, path, hooks, depth, false);
  const box = h(required || value !== undefined ? "fieldset" : "details", { class: "form-nested" }, [
    h(required || value !== undefined ? "legend" : "summary", { text: s.title || (/^\d+$/.test(lastKey(path)) ? `#${Number(lastKey(path)) + 1}` : lastKey(path)) }),
    inner.el,
  ]);
  return {
    el: box,
    get: () => {
      const v = inner.get();
      return Object.keys(v).length === 0 && value === undefined && !required ? undefined : v;
    },
    problems: () => inner.problems(),
  };
}

function arrayControl(s, value, path, hooks, depth, required) {
  const items = normalise(s.items || {});
  const simple = ["string", "number", "integer"].includes(items.type) && !items.enum && !items.oneOf;
  const complex = items.properties || items.oneOf || items.anyOf || items.enum;
  if (!simple && !complex) return jsonControl(value, path, required);
  const list = h("ol", { class: "form-array" });
  const rows = [];
  const addRow = (v) => {
    const ctl = field(items, v, join(path, rows.length), hooks, depth + 1, true);
    const li = h("li", { class: "form-array-item" }, [ctl.el]);
    const entry = { ctl, li };
    li.append(h("button", {
      type: "button", class: "small", text: "remove", "aria-label": `remove item from ${lastKey(path)}`,
      onclick: () => {
        rows.splice(rows.indexOf(entry), 1);
        li.remove();
      },
    }));
    rows.push(entry);
    list.append(li);
  };
  const original = Array.isArray(value) ? value : [];
  original.forEach(addRow);
  const add = h("button", {
    type: "button", class: "small", "data-action": `add-item`, "data-for": path, text: `add ${items.title || "item"}`,
    onclick: () => addRow(items.default !== undefined ? structuredClone(items.default) : undefined),
  });
  return {
    el: h("div", { class: "form-array-box" }, [list, add]),
    get: () => {
      if (!rows.length && value === undefined && !required) return undefined;
      return rows.map((r) => r.ctl.get()).map((v) => (v === undefined ? (simple ? "" : {}) : v));
    },
    problems: () => rows.flatMap((r) => (r.ctl.problems ? r.ctl.problems() : [])),
  };
}

function variantLabel(v, i) {
  if (v.title) return v.title;
  for (const [k, p] of Object.entries(v.properties || {})) {
    const c = p.const ?? (Array.isArray(p.enum) && p.enum.length === 1 ? p.enum[0] : undefined);
    if (c !== undefined && (v.required || []).includes(k)) return `${k}: ${c}`;
  }
  if (Array.isArray(v.enum)) return v.enum.length > 3 ? "choice" : v.enum.join(" | ");
  return v.type ? [].concat(v.type).join("/") : `option ${i + 1}`;
}

function variantControl(s, variants, value, path, hooks, depth, required) {
  const vs = variants.map(normalise);
  const strings = vs.filter((v) => v.type === "string" && !v.enum);
  const enums = vs.filter((v) => Array.isArray(v.enum) && v.enum.every((e) => typeof e === "string"));
  if (strings.length && strings.length + enums.length === vs.length) {
    const ctl = stringControl({ ...strings[0], description: s.description }, value, path, required);
    const listId = `list-${++uid}`;
    const list = h("datalist", { id: listId }, enums.flatMap((v) => v.enum).map((e) => h("option", { value: e })));
    ctl.focusEl.setAttribute("list", listId);
    return { ...ctl, el: h("span", { class: "combo" }, [ctl.el, list]) };
  }
  const id = `f-${++uid}`;
  const sel = h("select", { id, class: "variant", "aria-label": `${lastKey(path)} form`, "data-variant-for": path });
  if (!required) sel.append(h("option", { value: "", text: "(not set)" }));
  vs.forEach((v, i) => sel.append(h("option", { value: String(i), text: variantLabel(v, i) })));
  const holder = h("div", { class: "variant-body" });
  let current = null;
  const show = (i, v) => {
    holder.replaceChildren();
    current = i === "" ? null : field(vs[Number(i)], v, path, hooks, depth + 1, true);
    if (current) holder.append(current.el);
  };
  let start = value === undefined ? (required ? "0" : "") : String(Math.max(0, vs.findIndex((v) => validateNode({ v: value }, { type: "object", properties: { v } }).length === 0)));
  sel.value = start;
  show(start, value);
  sel.addEventListener("change", () => show(sel.value, undefined));
  return {
    el: h("div", { class: "variant-box" }, [sel, holder]), id, focusEl: sel,
    get: () => (current ? current.get() : undefined),
    problems: () => (current && current.problems ? current.problems() : []),
  };
}

function join(path, key) {
  return path ? `${path}.${key}` : String(key);
}

function lastKey(path) {
  return String(path).split(".").pop();
}
