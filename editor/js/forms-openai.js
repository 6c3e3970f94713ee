// The form of the OpenAI operation nodes: the config node, the API's required fields (marked)
// and the fields most people set (model, the main input, temperature, max tokens, tools, stream)
// first; every other field folded under "more". Each field shows its constraints (choices,
// range, default) and links to its place in the API reference.

import { h } from "./dom.js";
import { registerFormWhen } from "./form-kit.js";
import { buildForm } from "./schema-form.js";
import { validateNode } from "./validate.js";

const COMMON = ["model", "messages", "input", "prompt", "instructions", "temperature", "max_tokens", "max_completion_tokens",
  "max_output_tokens", "tools", "stream"];

/** The schema of a property with its null / anyOf wrappers taken off (for the constraints line). */
function core(s) {
  if (!s || typeof s !== "object") return {};
  const branches = (s.anyOf || s.oneOf || []).filter((b) => b && b.type !== "null");
  if (branches.length === 1) return { ...core(branches[0]), "x-default": s["x-default"] ?? branches[0]["x-default"] };
  return s;
}

/** "one of: a, b · 0 … 2 · default 1" for a field schema (empty when nothing to say). */
export function constraints(s) {
  const c = core(s);
  const parts = [];
  const choices = Array.isArray(c.enum) ? c.enum : (c.anyOf || []).flatMap((b) => (Array.isArray(b.enum) ? b.enum : []));
  if (choices.length) parts.push(`one of: ${choices.slice(0, 8).map(String).join(", ")}${choices.length > 8 ? ", …" : ""}`);
  if (c.minimum !== undefined || c.maximum !== undefined) parts.push(`${c.minimum ?? "…"} … ${c.maximum ?? "…"}`);
  if (c.minLength !== undefined || c.maxLength !== undefined) parts.push(`length ${c.minLength ?? 0} … ${c.maxLength ?? "…"}`);
  if (c.maxItems !== undefined) parts.push(`at most ${c.maxItems} items`);
  const fallback = s["x-default"] ?? c["x-default"] ?? c.default;
  if (fallback !== undefined && fallback !== null) parts.push(`default ${typeof fallback === "string" ? fallback : JSON.stringify(fallback)}`);
  return parts.join(" · ");
}

/** The reference URL of `field` (the operation's page, anchored at the field). */
export function fieldLink(reference, field) {
  const m = /api-reference\/(.+)$/.exec(reference || "");
  return m ? `${reference}#${m[1].replace(/\//g, "-")}-${field}` : reference;
}

function pick(props, keys) {
  return Object.fromEntries(keys.filter((k) => props[k]).map((k) => [k, props[k]]));
}

function decorate(el, props, required, reference) {
  for (const [key, s] of Object.entries(props)) {
    const row = el.querySelector(`:scope > [data-field="${CSS.escape(key)}"]`);
    if (!row) continue;
    const label = row.querySelector(".field-label");
    if (required.has(key) && label) {
      label.append(h("span", { class: "req", text: " *", "aria-hidden": "true" }));
      label.append(h("span", { class: "sr-only", text: " (required by the API)" }));
      row.dataset.required = "true";
    }
    const text = key === "config" || key === "name" ? "" : constraints(s);
    const note = h("div", { class: "field-help field-constraints", "data-constraints-for": key, text });
    if (reference && key !== "config" && key !== "name") {
      note.append(text ? " · " : "", h("a", { class: "field-ref", href: fieldLink(reference, key), target: "_blank", rel: "noopener", text: "reference" }));
    }
    if (note.childNodes.length) row.append(note);
  }
}

registerFormWhen((def) => def.module === "openai" && def.schema && typeof def.schema["x-reference"] === "string", (kit, ctx) => {
  const { schema, value, hooks } = ctx;
  const props = schema.properties || {};
  const required = new Set(["config", ...(schema["x-required"] || [])]);
  const primary = schema["x-primary"];
  const first = [...new Set(["name", "config", ...required, primary, ...COMMON])].filter((k) => k && props[k]);
  const rest = Object.keys(props).filter((k) => !first.includes(k));
  const main = buildForm({ type: "object", properties: pick(props, first) }, value, hooks);
  const more = rest.length ? buildForm({ type: "object", properties: pick(props, rest) }, value, hooks) : null;
  decorate(main.el, props, required, schema["x-reference"]);
  if (more) decorate(more.el, props, required, schema["x-reference"]);
  const folded = more ? h("details", { class: "kit-more", "data-more": "" }, [h("summary", { text: `more (${rest.length} fields)` }), more.el]) : null;
  const reference = h("p", { class: "kit-hint" }, [
    "Fields marked * are required by the API (msg may supply them). ",
    h("a", { href: schema["x-reference"], target: "_blank", rel: "noopener", text: "API reference" }),
  ]);
  const el = h("div", { class: "form-object kit-form openai-form" }, [reference, main.el, folded]);
  return {
    el,
    get() {
      const out = main.get();
      if (!more) return out;
      const extra = more.get();
      for (const k of rest) {
        delete out[k];
        if (extra[k] !== undefined) out[k] = extra[k];
      }
      return out;
    },
    problems() {
      return [...main.problems(), ...(more ? more.problems() : [])];
    },
    validate() {
      return [...this.problems(), ...validateNode(this.get(), schema)];
    },
  };
});
