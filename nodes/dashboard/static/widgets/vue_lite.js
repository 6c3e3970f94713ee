// Dashboard 2's ui-template is a Vue single-file component written by the flow author. This draws
// the common part of it without Vue: the <template> with {{ expr }}, v-if / v-else-if / v-else,
// v-for, v-show, v-text, v-html (as text), v-model, :attr (class and style objects too) and @event;
// the <script>'s `export default {data, computed, methods, watch, mounted}` with `this.msg` and
// `this.send(msg)`; and the <style>. Changing the component's data redraws it. Message values reach
// the page only as text (textContent and attribute values), never as markup.

const FOR = /^\s*(?:\(\s*([\w$]+)\s*(?:,\s*([\w$]+)\s*)?\)|([\w$]+))\s+(?:in|of)\s+(.+)$/;

function parts(source) {
  const text = String(source || "");
  const open = text.search(/<template>/i);
  const close = text.toLowerCase().lastIndexOf("</template>");
  const markup = open >= 0 && close > open ? text.slice(open + 10, close) : text.replace(/<script[\s\S]*?<\/script>/gi, "");
  const script = [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)].find((m) => /export\s+default/.test(m[1]));
  const styles = [...text.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)].map((m) => m[1]);
  return { markup: markup.replace(/<style\b[^>]*>[\s\S]*?<\/style>/gi, ""), script: script ? script[1] : "", styles };
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
function evaluate(expr, scope) {
  let fn = compiled.get(expr);
  if (!fn) {
    fn = new Function("$scope", `with ($scope) { return (${expr}); }`);
    compiled.set(expr, fn);
  }
  return fn.call(scope, scope);
}

function run(code, scope, event) {
  const fn = new Function("$scope", "$event", `with ($scope) { ${code} }`);
  return fn.call(scope, scope, event);
}

const text = (v) => (v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));

function classes(value) {
  if (Array.isArray(value)) return value.map(classes).join(" ");
  if (value && typeof value === "object") return Object.keys(value).filter((k) => value[k]).join(" ");
  return text(value);
}

export function vueLite(ctx) {
  const log = (err) => console.error("dashboard template", ctx.item.id, err);
  const root = ctx.el;
  const proto = document.createElement("template");
  let options = {};
  let vm = null;
  let scheduled = false;
  let source = null;

  function setup(item) {
    source = item.component;
    const { markup, script, styles } = parts(source);
    proto.innerHTML = markup;
    options = component(script, log);
    const state = { msg: item.msg || {}, ...(typeof options.data === "function" ? safe(() => options.data.call({ msg: item.msg || {} }), {}) : {}) };
    const target = {
      send: (msg) => ctx.sendMsg(msg && typeof msg === "object" ? msg : { payload: msg }),
      $forceUpdate: () => schedule(),
      $nextTick: (fn) => Promise.resolve().then(fn),
      id: ctx.item.id,
    };
    vm = new Proxy(Object.assign(target, state), {
      set(obj, key, value) { obj[key] = value; schedule(); return true; },
      get(obj, key) {
        if (key in obj) return obj[key];
        if (options.computed && key in options.computed) return safe(() => options.computed[key].call(vm), undefined);
        if (options.methods && key in options.methods) return options.methods[key].bind(vm);
        return undefined;
      },
      has(obj, key) {
        return key in obj || Boolean(options.computed && key in options.computed) || Boolean(options.methods && key in options.methods);
      },
    });
    root.textContent = "";
    for (const css of styles) root.append(Object.assign(document.createElement("style"), { textContent: css }));
    root.append(Object.assign(document.createElement("div"), { className: "ui-vue" }));
    draw();
    if (typeof options.mounted === "function") safe(() => options.mounted.call(vm));
  }

  function safe(fn, fallback) {
    try { return fn(); } catch (err) { log(err); return fallback; }
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => { scheduled = false; draw(); });
  }

  function draw() {
    const host = root.querySelector(":scope > .ui-vue");
    host.textContent = "";
    for (const node of [...proto.content.childNodes]) for (const out of render(node, vm)) host.append(out);
  }

  function render(node, scope) {
    if (node.nodeType === Node.TEXT_NODE) {
      return [document.createTextNode(node.nodeValue.replace(/\{\{([\s\S]+?)\}\}/g, (_, e) => text(safe(() => evaluate(e, scope), ""))))];
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return [];
    const loop = node.getAttribute("v-for");
    if (loop !== null) {
      const m = FOR.exec(loop);
      if (!m) return [];
      const items = safe(() => evaluate(m[4], scope), []);
      const list = typeof items === "number" ? [...Array(items).keys()].map((i) => i + 1) : items || [];
      const entries = Array.isArray(list) || typeof list === "string" ? [...list].map((v, i) => [v, i]) : Object.entries(list).map(([k, v]) => [v, k]);
      const copy = node.cloneNode(true);
      copy.removeAttribute("v-for");
      return entries.flatMap(([value, index]) => render(copy, local(scope, { [m[1] || m[3]]: value, ...(m[2] ? { [m[2]]: index } : {}) })));
    }
    const el = document.createElement(node.tagName.toLowerCase() === "template" ? "div" : node.tagName.toLowerCase());
    for (const { name, value } of [...node.attributes]) {
      if (/^v-(if|else-if|else)$/.test(name)) continue;
      if (name === "v-show") { if (!safe(() => evaluate(value, scope), true)) el.style.display = "none"; continue; }
      if (name === "v-text" || name === "v-html") { el.textContent = text(safe(() => evaluate(value, scope), "")); continue; }
      if (name === "v-model") { model(el, value, scope); continue; }
      if (name.startsWith("@") || name.startsWith("v-on:")) {
        const kind = name.replace(/^@|^v-on:/, "").split(".")[0];
        el.addEventListener(kind, (event) => {
          const handler = safe(() => (/^[\w$.]+$/.test(value.trim()) ? evaluate(value, scope) : null), null);
          safe(() => (typeof handler === "function" ? handler(event) : run(value, scope, event)));
          schedule();
        });
        continue;
      }
      if (name.startsWith(":") || name.startsWith("v-bind:")) {
        const attr = name.replace(/^:|^v-bind:/, "");
        if (attr === "key" || attr.startsWith("on")) continue;
        const bound = safe(() => evaluate(value, scope), undefined);
        if (attr === "class") el.setAttribute("class", `${el.getAttribute("class") || ""} ${classes(bound)}`.trim());
        else if (attr === "style" && bound && typeof bound === "object") Object.assign(el.style, bound);
        else if (bound === false || bound === null || bound === undefined) el.removeAttribute(attr);
        else el.setAttribute(attr, bound === true ? "" : text(bound));
        continue;
      }
      if (name.startsWith("on")) continue; // inline handlers only through @event
      el.setAttribute(name, value);
    }
    if (!node.hasAttribute("v-text") && !node.hasAttribute("v-html")) {
      let chain = null; // the v-if chain among the children: true once a branch was drawn
      const children = node.tagName.toLowerCase() === "template" ? node.content.childNodes : node.childNodes;
      for (const child of [...children]) {
        if (child.nodeType === Node.ELEMENT_NODE) {
          if (child.hasAttribute("v-if")) chain = Boolean(safe(() => evaluate(child.getAttribute("v-if"), scope), false));
          else if (child.hasAttribute("v-else-if")) {
            if (chain === true) continue;
            chain = Boolean(safe(() => evaluate(child.getAttribute("v-else-if"), scope), false));
          } else if (child.hasAttribute("v-else")) {
            const drawn = chain;
            chain = null;
            if (drawn !== false) continue;
            for (const out of render(child, scope)) el.append(out);
            continue;
          } else chain = null;
          if (chain === false) continue;
        } else if (child.nodeType === Node.TEXT_NODE && !child.nodeValue.trim()) {
          el.append(child.cloneNode());
          continue;
        }
        for (const out of render(child, scope)) el.append(out);
      }
    }
    return [el];
  }

  function local(scope, names) {
    return new Proxy(names, {
      has: (obj, key) => key in obj || key in scope,
      get: (obj, key) => (key in obj ? obj[key] : scope[key]),
      set: (obj, key, value) => { if (key in obj) obj[key] = value; else scope[key] = value; return true; },
    });
  }

  function model(el, expr, scope) {
    const current = safe(() => evaluate(expr, scope), "");
    if (el.type === "checkbox") el.checked = Boolean(current);
    else el.value = text(current);
    el.addEventListener(el.tagName === "SELECT" || el.type === "checkbox" ? "change" : "input", () => {
      const value = el.type === "checkbox" ? el.checked : el.type === "number" ? Number(el.value) : el.value;
      safe(() => run(`${expr} = $event`, scope, value));
    });
  }

  return {
    update(item) {
      if (item.component !== source || !vm) setup(item);
      if (item.msg !== undefined && vm) {
        const before = vm.msg;
        vm.msg = item.msg;
        const watcher = options.watch && options.watch.msg;
        const fn = typeof watcher === "function" ? watcher : watcher && watcher.handler;
        if (typeof fn === "function") safe(() => fn.call(vm, item.msg, before));
      }
    },
    value: (item) => (item.msg ? item.msg.payload ?? null : null),
  };
}
