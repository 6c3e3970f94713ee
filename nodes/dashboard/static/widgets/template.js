// Template widget: the flow author's HTML (from the node, never from a message unless the node
// allows msg.template). Message values reach it only as text: {{msg.payload}} in text and
// attributes, ng-bind / ng-bind-html (text unless the element has data-ui-raw). Scripts in the
// template run with `scope` = {msg, send(msg), $watch(expr, fn)}, as Dashboard 1's templates expect;
// ng-click="expr" runs expr with send and msg in reach. A redraw keeps the user's focus (focus.js).

import { keepingFocus } from "../focus.js";
import { asText, interpolate, readPath } from "../format.js";

function watchable(root) {
  const texts = [];
  const attrs = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.nodeValue.includes("{{") && node.parentElement?.tagName !== "SCRIPT") texts.push([node, node.nodeValue]);
  }
  for (const el of root.querySelectorAll("*")) {
    for (const attr of [...el.attributes]) {
      if (attr.value.includes("{{") && !attr.name.startsWith("on")) attrs.push([el, attr.name, attr.value]);
    }
  }
  return { texts, attrs, binds: [...root.querySelectorAll("[ng-bind], [ng-bind-html]")] };
}

function expression(code) {
  // author's code from the flow (Dashboard 1 runs it too); message values never become code
  return new Function("scope", "msg", "send", `"use strict"; return (${code});`);
}

export function template(ctx, { global = false } = {}) {
  const root = global ? document.createElement("div") : ctx.el;
  let spots = { texts: [], attrs: [], binds: [] };
  const watchers = [];
  const scope = {
    msg: undefined,
    send: (msg) => ctx.sendMsg(msg),
    $watch(expr, fn) {
      watchers.push([expr, fn]);
    },
    $apply: (fn) => (typeof fn === "function" ? fn() : undefined),
    $evalAsync: (fn) => setTimeout(fn),
  };
  let format = null;

  function render(html) {
    format = html;
    watchers.length = 0;
    root.innerHTML = html || "";
    if (global) {
      for (const el of [...root.children]) {
        el.dataset.uiGlobal = ctx.item.id;
        if (el.tagName !== "SCRIPT") document.head.append(el);
      }
    }
    spots = watchable(root);
    for (const el of root.querySelectorAll("[ng-click]")) {
      const run = expression(el.getAttribute("ng-click"));
      el.addEventListener("click", () => run(scope, scope.msg, scope.send));
    }
    for (const old of [...root.querySelectorAll("script")]) {
      if (old.src) {
        const s = document.createElement("script");
        s.src = old.src;
        document.head.append(s);
        continue;
      }
      try {
        new Function("scope", old.textContent).call(scope, scope);
      } catch (err) {
        console.error("dashboard template script", ctx.item.id, err);
      }
    }
  }

  function show(msg) {
    const view = { msg, theme: ctx.item.theme };
    for (const [node, text] of spots.texts) node.nodeValue = interpolate(text, view);
    for (const [el, name, text] of spots.attrs) el.setAttribute(name, interpolate(text, view));
    for (const el of spots.binds) {
      const raw = el.hasAttribute("ng-bind-html") && el.hasAttribute("data-ui-raw");
      const value = asText(readPath(view, el.getAttribute("ng-bind-html") ?? el.getAttribute("ng-bind")));
      if (raw) el.innerHTML = value;
      else el.textContent = value;
    }
    for (const [expr, fn] of watchers) {
      try {
        fn(readPath(scope, expr === "msg" ? "msg" : expr), undefined);
      } catch (err) {
        console.error("dashboard template watcher", ctx.item.id, err);
      }
    }
  }

  return {
    update(item) {
      const html = item.msg && typeof item.msg.template === "string" ? item.msg.template : item.format;
      // drawing again keeps the input the user is typing in (here or in another widget) focused
      const redrawn = html !== format;
      if (redrawn) keepingFocus(global ? document.body : root, () => render(html));
      // the same message again (the page showing a tab) is not news to the template's watchers
      if (item.msg !== undefined && (redrawn || item.msg !== scope.msg)) {
        scope.msg = item.msg;
        keepingFocus(global ? document.body : root, () => show(item.msg));
      }
    },
    value: (item) => (item.msg ? item.msg.payload : null),
  };
}
