// Small DOM helpers. User data is only ever set as text (textContent / attributes), never as HTML.

const SVG_NS = "http://www.w3.org/2000/svg";

function apply(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") el.textContent = String(value);
    else if (key === "class") el.setAttribute("class", value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value" && "value" in el) el.value = value;
    else if (key === "checked" && "checked" in el) el.checked = Boolean(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of [].concat(children || [])) {
    if (child === null || child === undefined || child === false) continue;
    // Element.prototype: a form exposes its controls as properties (an input named "append").
    Element.prototype.append.call(el, child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Create an HTML element: h("button", {class: "x", text: "Go", onclick}, [children]). */
export function h(tag, attrs, children) {
  return apply(document.createElement(tag), attrs, children);
}

/** Create an SVG element, same signature as h(). */
export function svg(tag, attrs, children) {
  return apply(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** Remove every child of an element. */
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** A tiny event emitter: on(name, fn) returns an unsubscribe function. */
export class Emitter {
  constructor() {
    this._handlers = new Map();
  }

  on(name, fn) {
    if (!this._handlers.has(name)) this._handlers.set(name, new Set());
    this._handlers.get(name).add(fn);
    return () => this._handlers.get(name).delete(fn);
  }

  emit(name, payload) {
    for (const fn of this._handlers.get(name) || []) fn(payload);
  }
}

/** Politely announce a message to screen readers through the aria-live region. */
export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // A new text node after a frame makes screen readers repeat identical messages too.
  requestAnimationFrame(() => {
    region.textContent = text;
  });
}

/**
 * Show a notice in the notification area. `action` = {label, run, name} adds a button; notices
 * with an action stay until used or dismissed.
 */
export function notify(text, kind = "info", action = null) {
  const area = document.getElementById("notices");
  announce(text);
  if (!area) return;
  const note = h("div", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" }, [
    h("span", { text }),
    action ? h("button", {
      type: "button", class: "notice-action", "data-action": action.name, text: action.label,
      onclick: () => {
        note.remove();
        action.run();
      },
    }) : null,
    h("button", { class: "notice-close", "aria-label": "Dismiss", text: "×", onclick: () => note.remove() }),
  ]);
  area.append(note);
  while (area.children.length > 4) area.firstChild.remove();
  if (!action) setTimeout(() => note.remove(), kind === "error" ? 12000 : 5000);
}

/** Open a native modal dialog and resolve with the value of the button that closed it. */
export function ask(title, text, buttons) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "ask-dialog", "aria-label": title }, [
      h("h2", { text: title }),
      h("p", { text }),
      h(
        "div",
        { class: "dialog-buttons" },
        buttons.map((b) =>
          h("button", {
            type: "button",
            class: b.primary ? "primary" : "",
            "data-action": b.action,
            text: b.label,
            onclick: () => dialog.close(b.value),
          }),
        ),
      ),
    ]);
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue || null);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Ask for one line of text in a modal dialog; resolves with the text or null. */
export function promptText(title, label, value) {
  return new Promise((resolve) => {
    const input = h("input", { type: "text", name: "value", value: value || "", "aria-label": label });
    const form = h("form", { method: "dialog" }, [
      h("h2", { text: title }),
      h("label", {}, [h("span", { text: label }), input]),
      h("div", { class: "dialog-buttons" }, [
        h("button", { type: "button", value: "", text: "Cancel", onclick: () => dialog.close("") }),
        h("button", { type: "submit", value: "ok", class: "primary", "data-action": "prompt-ok", text: "OK" }),
      ]),
    ]);
    const dialog = h("dialog", { class: "prompt-dialog", "aria-label": title }, [form]);
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "ok" ? input.value : null);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.select();
  });
}
