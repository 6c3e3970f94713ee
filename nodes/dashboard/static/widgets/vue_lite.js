// Dashboard 2's ui-template is a Vue single-file component written by the flow author. This draws
// the common part of it without Vue: the <template> with {{ expr }}, v-if / v-else-if / v-else,
// v-for, v-show, v-text, v-html (as text), v-model (with .number/.trim/.lazy), :attr (class and style
// objects too), @event (with .prevent/.stop/.self/.once and key modifiers), ref, <template> groups
// and slots, SVG, and the Vuetify components Dashboard 2 templates use (vuetify.js); the <script>'s
// `export default {data, computed, methods, watch, created, mounted}` with `this.msg`,
// `this.send(msg)`, `this.$socket.on("msg-input:" + this.id, fn)` and `this.$refs`; and the <style>
// (scoped to the widget when it says `scoped`). Changing the component's data (also inside objects
// and arrays) redraws it through a virtual DOM (vdom.js), so inputs keep focus and typed text.
// Message values reach the page only as text (text nodes and attribute values), never as markup.

import { keepingFocus } from "../focus.js";
import { component as vuetify } from "./vuetify.js";
import { el, patch, text as textNode } from "./vdom.js";
import { bindActivator, bindEvent, componentData, liftOverlays, modelBinding, readAttributes, slotName } from "./vue_bind.js";

const FOR = /^\s*(?:\(\s*([\w$]+)\s*(?:,\s*([\w$]+)\s*)?(?:,\s*([\w$]+)\s*)?\)|([\w$]+))\s+(?:in|of)\s+([\s\S]+)$/;

function parts(source) {
  const body = String(source || "");
  const open = body.search(/<template>/i);
  const close = body.toLowerCase().lastIndexOf("</template>");
  const markup = open >= 0 && close > open ? body.slice(open + 10, close) : body.replace(/<script[\s\S]*?<\/script>/gi, "");
  const script = [...body.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)].find((m) => /export\s+default/.test(m[1]));
  const styles = [...body.matchAll(/<style\b([^>]*)>([\s\S]*?)<\/style>/gi)].map((m) => ({ scoped: /\bscoped\b/.test(m[1]), css: m[2] }));
  return { markup: prepare(markup.replace(/<style\b[^>]*>[\s\S]*?<\/style>/gi, "")), script: script ? script[1] : "", styles };
}

/** Vue's compiler reads markup the browser's parser would change: self-closing components
 * (`<v-text-field />` would swallow what follows) and table parts inside <v-table>. */
export function prepare(markup) {
  return markup
    .replace(/<([a-zA-Z][\w-]*-[\w-]*|[A-Z][\w]*)(\s(?:[^>"']|"[^"]*"|'[^']*')*)?\/>/g, (_, tag, rest) => `<${tag}${rest || ""}></${tag}>`)
    .replace(/<v-table(?=[\s>])/g, '<table data-vl-component="v-table"').replace(/<\/v-table>/g, "</table>");
}

function component(code, log) {
  if (!/export\s+default/.test(code)) return {};
  try {
    // the flow author's own code (Dashboard 2 runs it too); message values never become code
    return new Function(code.replace(/export\s+default/, "return")).call(null) || {};
  } catch (err) {
    log(err);
    return {};
  }
}

const compiled = new Map();
export function evaluate(expr, scope) {
  let fn = compiled.get(expr);
  if (!fn) {
    fn = new Function("$scope", `with ($scope) { return (${expr}); }`);
    compiled.set(expr, fn);
  }
  return fn.call(scope, scope);
}

export function run(code, scope, event) {
  const key = `run:${code}`;
  let fn = compiled.get(key);
  if (!fn) {
    fn = new Function("$scope", "$event", `with ($scope) { ${code} }`);
    compiled.set(key, fn);
  }
  return fn.call(scope, scope, event);
}

export const asText = (v) => (v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));

function plain(value) {
  return value !== null && typeof value === "object" && (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype);
}

export function vueLite(ctx) {
  const log = (err) => console.error("dashboard template", ctx.item.id, err);
  const root = ctx.el;
  const proto = document.createElement("template");
  let options = {};
  let vm = null;
  let scheduled = false;
  let source = null;
  let shownMsg;
  let watchers = [];
  let listeners = [];
  let proxies = new WeakMap();
  let owned = new WeakMap(); // a component's own state (an overlay opened without v-model), by template node and key
  const safe = (fn, fallback) => { try { return fn(); } catch (err) { log(err); return fallback; } };

  /** Objects and arrays in the component's data redraw it when changed, as Vue's reactivity does. */
  function reactive(value) {
    if (!plain(value)) return value;
    let proxy = proxies.get(value);
    if (!proxy) {
      proxy = new Proxy(value, {
        get: (obj, key) => reactive(obj[key]),
        set(obj, key, v) { if (!Object.is(obj[key], v) || key === "length") { obj[key] = v; schedule(); } return true; },
        deleteProperty(obj, key) { delete obj[key]; schedule(); return true; },
      });
      proxies.set(value, proxy);
    }
    return proxy;
  }

  function setup(item) {
    source = item.component;
    shownMsg = item.msg;
    proxies = new WeakMap();
    owned = new WeakMap();
    listeners = [];
    const { markup, script, styles } = parts(source);
    proto.innerHTML = markup;
    options = component(script, log);
    const target = {
      send: (msg) => ctx.sendMsg(msg && typeof msg === "object" ? JSON.parse(JSON.stringify(msg)) : { payload: msg }),
      submit: (msg) => ctx.sendMsg(msg && typeof msg === "object" ? JSON.parse(JSON.stringify(msg)) : { payload: msg }),
      $forceUpdate: () => schedule(),
      $nextTick: (fn) => Promise.resolve().then(typeof fn === "function" ? () => fn.call(vm) : undefined),
      $socket: { on: (name, fn) => listeners.push([name, fn]), off: (name) => { listeners = listeners.filter(([n]) => n !== name); },
        emit: () => {} },
      $refs: {},
      $el: null,
      id: ctx.item.id,
      msg: item.msg || {},
    };
    const fixed = new Set(Object.keys(target));
    const data = typeof options.data === "function" ? safe(() => options.data.call(target), {}) : {};
    Object.assign(target, data && typeof data === "object" ? data : {});
    vm = new Proxy(target, {
      set(obj, key, value) {
        if (key === "$refs" || key === "$el" || !Object.is(obj[key], value)) { obj[key] = value; if (!fixed.has(key) || key === "msg") schedule(); }
        return true;
      },
      get(obj, key) {
        if (key in obj) return key === "$refs" || key === "$socket" ? obj[key] : reactive(obj[key]);
        if (options.computed && key in options.computed) {
          const c = options.computed[key];
          return safe(() => (typeof c === "function" ? c : c.get).call(vm), undefined);
        }
        if (options.methods && key in options.methods) return options.methods[key].bind(vm);
        return undefined;
      },
      has(obj, key) {
        return key in obj || Boolean(options.computed && key in options.computed) || Boolean(options.methods && key in options.methods);
      },
    });
    watchers = Object.entries(options.watch || {}).map(([path, spec]) => {
      const handler = typeof spec === "function" ? spec : spec && (typeof spec.handler === "string" ? vm[spec.handler] : spec.handler);
      const deep = Boolean(spec && spec.deep) || path === "msg";
      const read = () => safe(() => evaluate(path, vm), undefined);
      const snap = (v) => (deep ? safe(() => JSON.stringify(v), undefined) : undefined);
      const w = { read, snap, handler, last: read() };
      w.seen = snap(w.last);
      if (spec && spec.immediate && typeof handler === "function") safe(() => handler.call(vm, w.last, undefined));
      return w;
    });
    root.textContent = "";
    for (const { scoped, css } of styles) {
      const sheet = scoped ? `@scope ([data-ui-widget="${CSS.escape(String(ctx.item.id))}"]) {\n${css}\n}` : css;
      root.append(Object.assign(document.createElement("style"), { textContent: sheet }));
    }
    root.append(Object.assign(document.createElement("div"), { className: "ui-vue" }));
    if (typeof options.created === "function") safe(() => options.created.call(vm));
    draw();
    if (typeof options.mounted === "function") safe(() => options.mounted.call(vm));
  }

  function schedule() {
    if (scheduled || !vm) return;
    scheduled = true;
    queueMicrotask(() => { scheduled = false; draw(); });
  }

  function runWatchers() {
    for (let round = 0; round < 5; round++) {
      let fired = false;
      for (const w of watchers) {
        const now = w.read();
        const seen = w.snap(now);
        if (Object.is(now, w.last) && Object.is(seen, w.seen)) continue;
        const before = w.last;
        w.last = now;
        w.seen = seen;
        fired = true;
        if (typeof w.handler === "function") safe(() => w.handler.call(vm, now, before));
      }
      if (!fired) return;
    }
  }

  function draw() {
    runWatchers();
    const host = root.querySelector(":scope > .ui-vue");
    const refs = {};
    const vnodes = renderChildren(proto.content.childNodes, vm);
    safe(() => patch(host, vnodes, refs), null);
    const target = vm.$refs;
    for (const key of Object.keys(target)) delete target[key];
    Object.assign(target, refs);
    vm.$el = host.firstElementChild;
  }

  const api = { evaluate, run, asText, safe, local: (scope, names) => local(scope, names), schedule: () => schedule(),
    renderChildren: (nodes, scope) => renderChildren(nodes, scope), own };

  function own(node, key) {
    if (!owned.has(node)) owned.set(node, new Map());
    const states = owned.get(node);
    if (!states.has(key)) states.set(key, {});
    return states.get(key);
  }

  /** The vnodes for a list of template nodes: v-if chains, v-for, text. */
  function renderChildren(nodes, scope) {
    const out = [];
    let chain = null; // in a v-if chain: true once a branch was drawn
    for (const child of [...nodes]) {
      if (child.nodeType === Node.ELEMENT_NODE) {
        if (child.hasAttribute("v-if")) chain = Boolean(safe(() => evaluate(child.getAttribute("v-if"), scope), false));
        else if (child.hasAttribute("v-else-if")) {
          if (chain === true) continue;
          chain = Boolean(safe(() => evaluate(child.getAttribute("v-else-if"), scope), false));
        } else if (child.hasAttribute("v-else")) {
          const drawn = chain;
          chain = null;
          if (drawn !== false) continue;
          out.push(...render(child, scope));
          continue;
        } else chain = null;
        if (chain === false) continue;
        if (slotName(child) !== null) continue; // a component's slot: drawn by the component
      } else if (child.nodeType === Node.TEXT_NODE && !child.nodeValue.trim()) {
        out.push(textNode(child.nodeValue));
        continue;
      }
      out.push(...render(child, scope));
    }
    return out;
  }

  function render(node, scope) {
    if (node.nodeType === Node.TEXT_NODE) {
      return [textNode(node.nodeValue.replace(/\{\{([\s\S]+?)\}\}/g, (_, e) => asText(safe(() => evaluate(e, scope), ""))))];
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return [];
    const loop = node.getAttribute("v-for");
    if (loop !== null) {
      const m = FOR.exec(loop);
      if (!m) return [];
      const items = safe(() => evaluate(m[5], scope), []);
      const list = typeof items === "number" ? [...Array(Math.max(0, Math.floor(items))).keys()].map((i) => i + 1) : items || [];
      const entries = Array.isArray(list) || typeof list === "string" ? [...list].map((v, i) => [v, i, i])
        : Object.entries(list).map(([k, v], i) => [v, k, i]);
      return entries.flatMap(([value, index, position]) => {
        const names = { [m[1] || m[4]]: value };
        if (m[2]) names[m[2]] = index;
        if (m[3]) names[m[3]] = position;
        return renderElement(node, local(scope, names));
      });
    }
    return renderElement(node, scope);
  }

  function renderElement(node, scope) {
    const tag = node.getAttribute("data-vl-component") || node.localName;
    const read = readAttributes(node, scope, api);
    const isTemplate = node.localName === "template" && (node.namespaceURI || "").endsWith("xhtml");
    const childNodes = isTemplate ? node.content.childNodes : node.childNodes;
    const drawn = read.text !== undefined ? [textNode(read.text)] : renderChildren(childNodes, scope);
    if (isTemplate) return drawn;
    const { children, overlays, activator } = liftOverlays(drawn);
    const make = tag.startsWith("v-") ? vuetify(tag) : null;
    if (make) {
      const data = componentData(node, read, children, scope, api);
      bindActivator(data, activator);
      return [safe(() => make(data), el("div", { attrs: { class: tag } }, children)), ...overlays].flat();
    }
    const native = { ns: node.namespaceURI, key: read.key, ref: read.ref, attrs: read.attrs, props: {}, on: {} };
    for (const name of ["value", "checked", "selected", "indeterminate", "muted"]) {
      // bound, these are the element's live state (what the user sees), as Vue sets them
      if (!read.bound.has(name) || !/^(input|textarea|select|option|video|audio)$/.test(tag)) continue;
      const raw = read.props[name];
      native.props[name] = name === "value" ? asText(raw) : Boolean(raw);
      if (name !== "value") delete native.attrs[name];
    }
    for (const [name, entries] of Object.entries(read.on)) for (const entry of entries) bindEvent(native.on, name, entry);
    if (read.model) modelBinding(node, native, read.model, scope, api);
    bindActivator(native, activator);
    return [el(tag, native, children), ...overlays];
  }

  function local(scope, names) {
    return new Proxy(names, {
      has: (obj, key) => key in obj || key in scope,
      get: (obj, key) => (key in obj ? obj[key] : scope[key]),
      set: (obj, key, value) => { if (key in obj) obj[key] = value; else scope[key] = value; return true; },
    });
  }

  return {
    update(item) {
      if (item.component !== source || !vm) keepingFocus(root, () => setup(item));
      if (item.msg !== undefined && vm && item.msg !== shownMsg) {
        shownMsg = item.msg;
        vm.msg = item.msg;
        for (const [name, fn] of listeners) {
          if (name === `msg-input:${ctx.item.id}` || name === "msg-input") safe(() => fn.call(vm, item.msg));
        }
      }
      schedule(); // also when shown again (its tab, a new layout): an open overlay takes its place again
    },
    value: (item) => (item.msg ? item.msg.payload ?? null : null),
  };
}
