// A small kit for hand-made per-type forms (registered with registerForm; types without one get
// the generic schema form). Every control is bound to one node property and keeps the stored value
// exactly (its type included) unless the user changes it, so opening a node and pressing Done
// round-trips every property unchanged. Inputs carry name="<property>" (DESIGN §7).

import { h } from "./dom.js";
import { typedInput } from "./typed-input.js";
import { validateNode } from "./validate.js";
import { configRefControl } from "./refs.js";
import { codeArea } from "./code-editor.js";

export { listEditor } from "./form-list.js";

const FORMS = new Map();
let uid = 0;

/** Register `build(kit, ctx)` as the form of node type `type` (it returns an element or a list). */
export function registerForm(type, build) {
  FORMS.set(type, build);
}

const MATCHERS = [];

/** Register `build` for every type whose definition passes `test(def)` (a family of types). */
export function registerFormWhen(test, build) {
  MATCHERS.push([test, build]);
}

/** The form builder for `type` (with definition `def`), or null (the schema form then). */
export function formFor(type, def = null) {
  if (FORMS.has(type)) return FORMS.get(type);
  const hit = def ? MATCHERS.find(([test]) => test(def)) : null;
  return hit ? hit[1] : null;
}

/** Build the registered form: returns the controller the inspector uses ({el, get, problems, validate}). */
export function buildCustomForm(type, ctx) {
  const kit = new Kit(ctx);
  const content = formFor(type, ctx.def)(kit, ctx);
  if (content && typeof content.get === "function" && content.el) return content;
  return kit.finish(content);
}

/** How a stored value shows in a text input. */
export function show(v) {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** `text` converted to the type of `original` (number stays number, boolean stays boolean). */
export function like(original, text, fallback = "string") {
  const kind = original === undefined || original === null ? fallback : typeof original;
  if (kind === "number") return text.trim() === "" || Number.isNaN(Number(text)) ? text : Number(text);
  if (kind === "boolean") return text === "true";
  return text;
}

export class Kit {
  constructor(ctx) {
    this.ctx = ctx;
    this.value = ctx.value;
    this.writers = [];
    this.checkers = [];
    this.watchers = [];
    this.after = [];
  }

  /** Run fn(model) after the node is saved, inside the same undo step (to update other nodes). */
  afterSave(fn) {
    this.after.push(fn);
  }

  /** A kit for a sub-object (one rule of a list): same context, its own writers. */
  sub(obj) {
    const k = new Kit({ ...this.ctx, value: obj });
    k.watchers = this.watchers;
    const checks = k.checkers;
    this.checkers.push(() => (k.detached ? [] : checks.flatMap((c) => c())));
    return k;
  }

  /** The bound object with this kit's controls written into a copy. */
  collect() {
    const out = structuredClone(this.value);
    for (const w of this.writers) w(out);
    return out;
  }

  /** Register a writer: write(out) puts the control's value into the node copy `out`. */
  writer(fn) {
    this.writers.push(fn);
  }

  /** A labelled row: label text, then the controls. */
  row(labelText, controls, { forId, help, key } = {}) {
    const parts = [].concat(controls).filter(Boolean);
    const label = labelText === null ? null : h("label", { class: "field-label", for: forId, text: labelText });
    const r = h("div", { class: "field kit-row", "data-field": key || null }, [
      label,
      h("div", { class: "kit-controls" }, parts),
      help ? h("div", { class: "field-help", text: help }) : null,
      key ? h("div", { class: "field-error", "data-error-for": key, role: "alert" }) : null,
    ]);
    r.control = parts[0];
    return r;
  }

  /** A small section heading. */
  section(text) {
    return h("div", { class: "kit-section", text });
  }

  /** Show `el` only while `test()` holds (re-checked on every change in the form). */
  when(el, test) {
    this.watchers.push(() => {
      el.hidden = !test();
    });
    return el;
  }

  /** A bare text input bound to `key` (obj defaults to the node). */
  input(key, { obj = this.value, name = key, type = "text", placeholder, as = "string", cls, label } = {}) {
    const orig = obj[key];
    const numeric = type !== "number" || show(orig) === "" || !Number.isNaN(Number(show(orig)));
    const el = h("input", { type: numeric ? type : "text", name, id: `k-${++uid}`, value: show(orig), placeholder, class: cls, "aria-label": label || null, autocomplete: "off" });
    const initial = el.value;
    this.writer((out) => {
      if (el.value !== initial) out[key] = like(orig, el.value, as);
    });
    return el;
  }

  text(key, label, opts = {}) {
    const el = this.input(key, opts);
    return this.row(label, [el, opts.suffix ? h("span", { class: "kit-suffix", text: opts.suffix }) : null], { forId: el.id, help: opts.help, key });
  }

  number(key, label, opts = {}) {
    const el = this.input(key, { ...opts, type: "number", as: "number", cls: "kit-number" });
    if (opts.min !== undefined) el.min = opts.min;
    if (opts.max !== undefined) el.max = opts.max;
    el.step = opts.step || "any";
    if (Number.isNaN(Number(el.value))) el.type = "text";
    return this.row(label, [el, opts.suffix ? h("span", { class: "kit-suffix", text: opts.suffix }) : null], { forId: el.id, help: opts.help, key });
  }

  /** A select of [value, label] pairs bound to `key`; a stored value not offered is kept and shown. */
  choose(key, options, { obj = this.value, name = key, label, fallback } = {}) {
    const orig = obj[key];
    const el = h("select", { name, id: `k-${++uid}`, "aria-label": label || null });
    const values = options.map(([v]) => v);
    const keyOf = (v, i) => (typeof v === "string" && !values.slice(0, i).includes(v) ? v : `\u0001${i}`);
    const byKey = new Map(values.map((v, i) => [keyOf(v, i), v]));
    options.forEach(([v, text], i) => el.append(h("option", { value: keyOf(v, i), text })));
    let start = values.findIndex((v) => v === orig);
    if (start < 0) start = values.findIndex((v) => show(v) === show(orig) && orig !== undefined);
    if (start < 0 && orig === undefined && fallback !== undefined) start = values.findIndex((v) => v === fallback);
    if (start < 0) {
      el.append(h("option", { value: "\u0002keep", text: show(orig) || "(not set)" }));
      el.value = "\u0002keep";
    } else el.value = keyOf(values[start], start);
    const initial = el.value;
    this.writer((out) => {
      if (el.value !== initial && byKey.has(el.value)) out[key] = byKey.get(el.value);
    });
    el.chosen = () => (byKey.has(el.value) ? byKey.get(el.value) : orig);
    return el;
  }

  select(key, label, options, opts = {}) {
    const el = this.choose(key, options, opts);
    return this.row(label, el, { forId: el.id, help: opts.help, key });
  }

  /** A checkbox bound to `key` ("true"/"false" strings stay strings). */
  box(key, { obj = this.value, name = key, invert = false, label } = {}) {
    const orig = obj[key];
    const truthy = orig === true || orig === "true";
    const el = h("input", { type: "checkbox", name, id: `k-${++uid}`, "aria-label": label || null });
    el.checked = invert ? !truthy : truthy;
    const initial = el.checked;
    this.writer((out) => {
      if (el.checked === initial) return;
      const on = invert ? !el.checked : el.checked;
      out[key] = typeof orig === "string" ? String(on) : on;
    });
    return el;
  }

  check(key, label, opts = {}) {
    const el = this.box(key, opts);
    return h("div", { class: "field kit-row kit-check", "data-field": key }, [
      h("span", { class: "field-label" }),
      h("label", { class: "kit-controls" }, [el, ` ${label}`]),
    ]);
  }

  /** A typed input bound to `key` + `typeKey`. */
  typedPair(key, typeKey, { obj = this.value, types, defaultType, name = key, typeName = typeKey } = {}) {
    const v = obj[key];
    const t = obj[typeKey] ?? defaultType;
    const ti = typedInput({ name, typeName, value: v, type: t, types, id: `k-${++uid}` });
    const first = { ...ti.get() };
    this.writer((out) => {
      const now = ti.get();
      if (now.value !== first.value || now.type !== first.type) {
        out[key] = typeof v === "number" && now.type === "num" ? like(v, now.value) : now.value;
        out[typeKey] = now.type;
      }
    });
    this.checkers.push(() => {
      const msg = ti.check();
      return msg ? [{ property: name, message: msg }] : [];
    });
    return ti;
  }

  typed(key, typeKey, label, opts = {}) {
    const ti = this.typedPair(key, typeKey, opts);
    return this.row(label, ti.el, { forId: ti.inputs[0].id, help: opts.help, key });
  }

  /** A config-node picker (with add/edit) bound to `key`. */
  config(key, refType, label, { required = false } = {}) {
    const { app, editConfig } = this.ctx;
    const orig = this.value[key];
    const ctl = configRefControl(app, refType, key, orig, editConfig);
    const first = ctl.get() || "";
    const row = this.row(label, ctl.el, { forId: ctl.id, key });
    this.writer((out) => {
      const now = ctl.get() || "";
      // The picker pre-selects the only config node: kept for a required reference on show.
      const picked = required && !orig && now && !row.closest("[hidden]");
      if (now !== first || (picked && now !== (orig || ""))) out[key] = now;
    });
    return row;
  }

  /** A code editor (CodeMirror) bound to `key`; `lang` is a language name or a function giving one. */
  code(key, label, { lang = "javascript", rows = 12, obj = this.value } = {}) {
    const orig = obj[key];
    const area = codeArea({ name: key, value: show(orig), lang, rows, app: this.ctx.app, node: this.value });
    const initial = area.get();
    this.writer((out) => {
      if (area.get() !== initial) out[key] = area.get();
    });
    const el = this.row(label, area.el, { forId: area.id, key });
    el.classList.add("wide");
    el.codeArea = area;
    return el;
  }

  /** Tabs: [[label, content]]; returns the tab box. */
  tabs(list) {
    const bar = h("div", { class: "kit-tabs", role: "tablist" });
    const panes = [];
    list.forEach(([label, content], i) => {
      const pane = h("div", { class: "kit-pane", role: "tabpanel", "data-pane": label }, [].concat(content));
      const tab = h("button", { type: "button", role: "tab", class: "kit-tab", "data-form-tab": label, text: label });
      const pick = () => {
        panes.forEach((p, j) => {
          p.hidden = j !== i;
          bar.children[j].setAttribute("aria-selected", String(j === i));
        });
        for (const cm of pane.querySelectorAll(".cm-editor")) cm.dispatchEvent(new Event("kit-shown"));
      };
      tab.addEventListener("click", pick);
      bar.append(tab);
      panes.push(pane);
    });
    const box = h("div", { class: "kit-tabbox" }, [bar, ...panes]);
    panes.forEach((p, j) => {
      p.hidden = j !== 0;
      bar.children[j].setAttribute("aria-selected", String(j === 0));
    });
    return box;
  }

  /** Wrap the form's content into the controller the inspector expects. */
  finish(content) {
    const el = h("div", { class: "form-object kit-form" }, [].concat(content).filter(Boolean));
    const refresh = () => this.watchers.forEach((w) => w());
    el.addEventListener("change", refresh);
    el.addEventListener("input", refresh);
    refresh();
    const schema = this.ctx.schema;
    const kit = this;
    return {
      el,
      get() {
        const out = structuredClone(kit.value);
        for (const w of kit.writers) w(out);
        return out;
      },
      problems() {
        return kit.checkers.flatMap((c) => c());
      },
      validate() {
        return [...this.problems(), ...validateNode(this.get(), schema)];
      },
      apply(model) {
        for (const fn of kit.after) fn(model);
      },
    };
  }
}
