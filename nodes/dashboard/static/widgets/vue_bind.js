// How a Vue template element's attributes become what is drawn: static and bound attributes (class
// and style merged as Vue does), v-show, v-text/v-html (as text), @event handlers with modifiers,
// v-model on native inputs, and the data a Vuetify component gets (props, events, v-model, slots).

const KEYS = { enter: ["Enter"], esc: ["Escape"], escape: ["Escape"], space: [" "], tab: ["Tab"], up: ["ArrowUp"],
  down: ["ArrowDown"], left: ["ArrowLeft"], right: ["ArrowRight"], delete: ["Delete", "Backspace"] };
const SKIP = /^(v-if|v-else-if|v-else|v-for|v-slot(:.*)?|#.*|v-cloak|v-pre|v-once)$/;

/** A prop's name as components look it up: "modelValue", "model-value" and "modelvalue" are one. */
export const propName = (name) => name.toLowerCase().replace(/-/g, "");

/** The slot a <template v-slot:name> / <template #name> fills (null: not a slot template). */
export function slotName(node) {
  if (node.localName !== "template") return null;
  for (const { name } of node.attributes) {
    if (name === "v-slot") return "default";
    if (name.startsWith("v-slot:")) return name.slice(7);
    if (name.startsWith("#")) return name.slice(1);
  }
  return null;
}

function classes(value, asText) {
  if (Array.isArray(value)) return value.map((v) => classes(v, asText)).join(" ");
  if (value && typeof value === "object") return Object.keys(value).filter((k) => value[k]).join(" ");
  return value === undefined || value === null || value === false ? "" : asText(value);
}

function styleText(value, asText) {
  if (Array.isArray(value)) return value.map((v) => styleText(v, asText)).join(";");
  if (value && typeof value === "object") {
    return Object.entries(value).filter(([, v]) => v !== undefined && v !== null && v !== false && v !== "")
      .map(([k, v]) => `${k.startsWith("--") ? k : k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}:${asText(v)}`).join(";");
  }
  return value ? asText(value) : "";
}

/** What an element's attributes say, evaluated in `scope`. */
export function readAttributes(node, scope, api) {
  const read = { attrs: {}, props: {}, on: {}, model: null, key: undefined, ref: undefined, text: undefined, bound: new Set() };
  const cls = [];
  const style = [];
  let hidden = false;
  const entries = [];
  for (const { name, value } of [...node.attributes]) {
    if (name === "v-bind" || name === ":") { // v-bind="object": each key bound as its own attribute
      const spread = api.safe(() => api.evaluate(value, scope), null);
      if (!spread || typeof spread !== "object") continue;
      for (const [k, v] of Object.entries(spread)) {
        // onClick & co. (an activator slot's props) are event handlers, as in Vue
        if (/^on[A-Z]/.test(k) && typeof v === "function") listen(read, k.slice(2).toLowerCase(), [], calling(v, api));
        else entries.push([`:${k}`, v, true]);
      }
      continue;
    }
    if (name === "v-on") { // v-on="object": {event: handler}
      const spread = api.safe(() => api.evaluate(value, scope), null);
      if (spread && typeof spread === "object") {
        for (const [k, v] of Object.entries(spread)) if (typeof v === "function") listen(read, k, [], calling(v, api));
      }
      continue;
    }
    entries.push([name, value, false]);
  }
  for (const [name, value, evaluated] of entries) {
    if (SKIP.test(name) || name === "data-vl-component") continue;
    if (name === "v-show") { hidden = !api.safe(() => api.evaluate(value, scope), true); continue; }
    if (name === "v-text" || name === "v-html") { read.text = api.asText(api.safe(() => api.evaluate(value, scope), "")); continue; }
    if (name === "v-model" || name.startsWith("v-model.") || name.startsWith("v-model:")) {
      const [head, ...modifiers] = name.split(".");
      read.model = { expr: value, modifiers, arg: head.includes(":") ? propName(head.split(":")[1]) : "modelvalue" };
      continue;
    }
    if (name.startsWith("@") || name.startsWith("v-on:")) {
      const [event, ...modifiers] = name.replace(/^@|^v-on:/, "").split(".");
      listen(read, event, modifiers, handlerFor(value, scope, api));
      continue;
    }
    if (name === "ref") { read.ref = value; continue; }
    let bound = value;
    let attr = name;
    if (name.startsWith(":") || name.startsWith("v-bind:")) {
      attr = name.replace(/^:|^v-bind:/, "").replace(/\.(prop|camel|attr)$/, "");
      bound = evaluated ? value : api.safe(() => api.evaluate(value, scope), undefined);
      read.bound.add(attr);
      if (attr === "key") { read.key = bound; continue; }
      if (attr === "ref") { read.ref = api.asText(bound); continue; }
    } else if (name === "key") { read.key = value; continue; }
    if (attr.startsWith("on")) continue; // inline handlers only through @event
    if (attr === "class") { cls.push(classes(bound, api.asText)); read.props.class = bound; continue; }
    if (attr === "style") { style.push(styleText(bound, api.asText)); read.props.style = bound; continue; }
    read.props[propName(attr)] = bound === "" && !name.startsWith(":") && !name.startsWith("v-bind:") ? true : bound;
    if (bound === false || bound === null || bound === undefined) continue;
    read.attrs[attr] = bound === true ? "" : api.asText(bound);
  }
  if (hidden) style.push("display:none");
  const classText = cls.join(" ").trim().replace(/\s+/g, " ");
  const styleAttr = style.filter(Boolean).join(";");
  if (classText) read.attrs.class = classText;
  if (styleAttr) read.attrs.style = styleAttr;
  return read;
}

/** read.on: each event's handlers in the order given (@click and an activator's onClick both run). */
function listen(read, event, modifiers, handler) {
  (read.on[event] ||= []).push({ modifiers, handler });
}

function calling(fn, api) {
  return (...args) => {
    api.safe(() => fn(...args), null);
    api.schedule();
  };
}

function handlerFor(code, scope, api) {
  return (...args) => {
    const trimmed = code.trim();
    // a method name or a function expression is called with the event's arguments; else a statement runs
    const callable = /^[\w$.]+$/.test(trimmed) || /^(async\s+)?(\([^)]*\)|[\w$]+)\s*=>|^(async\s+)?function\b/.test(trimmed);
    const named = callable ? api.safe(() => api.evaluate(trimmed, scope), null) : null;
    api.safe(() => (typeof named === "function" ? named(...args) : api.run(trimmed, scope, args[0])), null);
    api.schedule();
  };
}

function allowed(modifiers, event) {
  if (!(event instanceof Event)) return true;
  if (modifiers.includes("self") && event.target !== event.currentTarget) return false;
  const keys = modifiers.filter((m) => KEYS[m]);
  if (keys.length && !keys.some((m) => KEYS[m].includes(event.key))) return false;
  for (const mod of ["ctrl", "shift", "alt", "meta"]) if (modifiers.includes(mod) && !event[`${mod}Key`]) return false;
  if (modifiers.includes("prevent")) event.preventDefault();
  if (modifiers.includes("stop")) event.stopPropagation();
  return true;
}

/** Add a handler for `name` to an `on` map (a second handler for the same event runs after the first). */
export function bindEvent(on, name, { modifiers = [], handler }) {
  const previous = on[name];
  on[name] = (...args) => {
    if (previous) previous(...args);
    if (allowed(modifiers, args[0])) handler(...args);
  };
}

function setter(model, scope, api) {
  return (value) => {
    api.safe(() => api.run(`${model.expr} = $event`, scope, value), null);
    api.schedule();
  };
}

/** v-model on a native input, textarea or select. */
export function modelBinding(node, native, model, scope, api) {
  const current = api.safe(() => api.evaluate(model.expr, scope), "");
  const set = setter(model, scope, api);
  const type = (native.attrs.type || "").toLowerCase();
  const tag = node.localName;
  if (type === "checkbox") {
    const own = native.attrs.value;
    native.props.checked = Array.isArray(current) ? current.includes(own) : Boolean(current);
    bindEvent(native.on, "change", { handler: (e) => {
      if (!Array.isArray(current)) { set(e.target.checked); return; }
      set(e.target.checked ? [...current, own] : current.filter((v) => v !== own));
    } });
  } else if (type === "radio") {
    native.props.checked = api.asText(current) === (native.attrs.value ?? "on");
    bindEvent(native.on, "change", { handler: (e) => { if (e.target.checked) set(e.target.value); } });
  } else {
    native.props.value = api.asText(current);
    const lazy = model.modifiers.includes("lazy") || tag === "select";
    const number = model.modifiers.includes("number") || type === "number";
    bindEvent(native.on, lazy ? "change" : "input", { handler: (e) => {
      let value = e.target.value;
      if (model.modifiers.includes("trim")) value = value.trim();
      if (number && value !== "" && !Number.isNaN(Number(value))) value = Number(value);
      set(value);
    } });
  }
}

/** What a Vuetify component gets: {props, attrs, on, model, children, slots, emit}. */
export function componentData(node, read, children, scope, api) {
  const on = {};
  for (const [name, entries] of Object.entries(read.on)) for (const entry of entries) bindEvent(on, propName(name), entry);
  let model = null;
  if (read.model) {
    const set = setter(read.model, scope, api);
    model = { value: api.safe(() => api.evaluate(read.model.expr, scope), undefined), set, modifiers: read.model.modifiers };
    read.props[read.model.arg] = model.value;
  }
  const slots = {};
  for (const child of node.childNodes) {
    const name = slotName(child);
    if (name === null) continue;
    const attr = [...child.attributes].find((a) => a.name === "v-slot" || a.name.startsWith("v-slot:") || a.name.startsWith("#"));
    slots[name] = (props) => api.renderChildren(child.content.childNodes, bindSlot(attr.value, props, scope, api));
  }
  const passed = {};
  for (const [k, v] of Object.entries(read.attrs)) if (/^(id|class|style|title|role|tabindex|name|data-.*|aria-.*)$/.test(k)) passed[k] = v;
  const data = { node, props: read.props, attrs: passed, on, model, children, slots, key: read.key, ref: read.ref, api,
    emit(name, ...args) {
      const key = propName(name);
      if (key === "update:modelvalue" && model) model.set(args[0]);
      if (typeof on[key] === "function") on[key](...args);
    } };
  return data;
}

function bindSlot(pattern, props, scope, api) {
  const text = String(pattern || "").trim();
  if (!text) return scope;
  if (!text.startsWith("{")) return api.local(scope, { [text]: props });
  const names = {};
  for (const part of text.slice(1, -1).split(",")) {
    const [from, to] = part.split(":").map((s) => s.trim().split("=")[0].trim());
    if (from) names[to || from] = props ? props[from] : undefined;
  }
  return api.local(scope, names);
}

/** Overlays (v-dialog, v-menu, v-tooltip) with activator="parent" among an element's children: they are
 * drawn after the element (not inside a button), and their activator props go on the element. */
export function liftOverlays(children) {
  const overlays = children.filter((v) => v && v.meta && v.meta.parentActivator);
  if (!overlays.length) return { children, overlays, activator: [] };
  return { children: children.filter((v) => !overlays.includes(v)), activator: overlays.map((v) => v.meta.parentActivator),
    overlays: overlays.map((v) => ({ ...v, meta: { ...v.meta, parentActivator: null } })) }; // bound once, to this parent
}

/** Give an element (its {on, attrs}) the activator props of overlays: onX handlers and attributes. */
export function bindActivator(target, activators) {
  for (const props of activators) {
    for (const [k, v] of Object.entries(props)) {
      if (/^on[A-Z]/.test(k) && typeof v === "function") bindEvent(target.on, k.slice(2).toLowerCase(), { handler: v });
      else if (v !== undefined && v !== null && v !== false) target.attrs[k] = String(v);
    }
  }
}
