// Vuetify's overlays for Dashboard 2 templates: v-dialog (a modal <dialog>), v-menu and v-tooltip
// (popovers placed beside their activator). Each opens from its activator slot
// (`<template v-slot:activator="{ props }"><v-btn v-bind="props">`), from activator="parent" (the
// element it sits in), or through v-model. Escape and a click outside close a dialog (unless
// persistent) and a menu; the focus goes into a dialog or menu and back to the activator after.
// What they show is the author's template, message values in it as text (vue_lite.js).

import { el } from "./vdom.js";
import { root, str, truthy } from "./vuetify_display.js";

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select, textarea, [tabindex="0"]';
const ITEM = '.v-list-item, [role="button"], [role="menuitem"]';
let serial = 0;

/** Open or not: the v-model (or :model-value) when the template gives one, else the overlay's own. */
function openState(c) {
  const own = c.api.own(c.node, c.key);
  const controlled = "modelvalue" in c.props;
  const open = controlled ? Boolean(c.props.modelvalue) && c.props.modelvalue !== "false" : Boolean(own.open);
  own.shown = open;
  const set = (value) => {
    if (value === own.shown) return;
    own.shown = value;
    if (!controlled) {
      own.open = value;
      c.api.schedule();
    }
    c.emit("update:modelValue", value);
  };
  const isActive = { get value() { return own.shown; }, set value(v) { set(Boolean(v)); } };
  return { open, set, own, isActive, toggle: () => set(!own.shown) };
}

/** The activator the template gives: its slot (Vue 3's `{ props }`, Vue 2's `{ on, attrs }`). */
function activatorSlot(c, props, isActive) {
  if (c.props.activator === "parent" || !c.slots.activator) return [];
  const on = {};
  const attrs = {};
  for (const [k, v] of Object.entries(props)) {
    if (/^on[A-Z]/.test(k)) on[k.slice(2).toLowerCase()] = v;
    else attrs[k] = v;
  }
  return c.slots.activator({ props, isActive, on, attrs });
}

/** The activator element drawn before the overlay (the slot's, or the parent element). */
function anchorOf(node) {
  let anchor = node.previousElementSibling;
  while (anchor && anchor.classList.contains("v-overlay")) anchor = anchor.previousElementSibling;
  return anchor || node.parentElement;
}

const OPPOSITE = { top: "bottom", bottom: "top", start: "end", end: "start", left: "right", right: "left" };

/** Put a popover beside `anchor`: location "top", "bottom", "start", "end" (or left/right), with an
 * optional alignment ("bottom start"); on the other side when it does not fit, kept in the window. */
function place(node, anchor, location) {
  const a = anchor.getBoundingClientRect();
  const w = node.offsetWidth;
  const h = node.offsetHeight;
  const [wanted, align] = String(location).split(/\s+/);
  const gap = 4;
  const room = { top: a.top, bottom: window.innerHeight - a.bottom, start: a.left, left: a.left,
    end: window.innerWidth - a.right, right: window.innerWidth - a.right };
  const need = wanted === "top" || wanted === "bottom" ? h + gap : w + gap;
  const side = room[wanted] !== undefined && room[wanted] < need && room[OPPOSITE[wanted]] >= need ? OPPOSITE[wanted] : wanted;
  const across = (start, size, own) => (align === "start" ? start : align === "end" ? start + size - own : start + (size - own) / 2);
  let left;
  let top;
  if (side === "top" || side === "bottom") {
    top = side === "top" ? a.top - h - gap : a.bottom + gap;
    left = across(a.left, a.width, w);
  } else {
    left = side === "start" || side === "left" ? a.left - w - gap : a.right + gap;
    top = across(a.top, a.height, h);
  }
  node.style.left = `${Math.max(0, Math.min(left, window.innerWidth - w))}px`;
  node.style.top = `${Math.max(0, Math.min(top, window.innerHeight - h))}px`;
}

function sizeStyle(c) {
  const css = (v) => (v === undefined || v === null || v === "" ? null : /^\d+(\.\d+)?$/.test(String(v)) ? `${v}px` : str(v));
  return [["width", c.props.width], ["max-width", c.props.maxwidth], ["min-width", c.props.minwidth],
    ["height", c.props.height], ["max-height", c.props.maxheight]]
    .filter(([, v]) => css(v) !== null).map(([k, v]) => `${k}:${css(v)}`).join(";");
}

const content = (c, open, isActive) => (open || truthy(c.props.eager)
  ? (c.slots.default ? c.slots.default({ isActive }) : c.children) : []);

function dialog(c) {
  const { open, set, isActive, toggle } = openState(c);
  const persistent = truthy(c.props.persistent);
  const props = { onClick: toggle, "aria-haspopup": "dialog", "aria-expanded": String(open) };
  const box = el("div", { attrs: { class: "v-overlay__content", style: sizeStyle(c) } }, content(c, open, isActive));
  const node = root(c, "dialog", `v-dialog v-overlay${truthy(c.props.fullscreen) ? " v-dialog--fullscreen" : ""}`, {
    meta: c.props.activator === "parent" ? { parentActivator: props } : undefined,
    on: {
      click: (e) => { if (e.target === e.currentTarget && !persistent) set(false); }, // on the backdrop
      keydown: (e) => {
        if (e.key !== "Escape") return;
        e.preventDefault(); // the dialog closes when the template says so (v-model), not by itself
        e.stopPropagation(); // a dialog around this one stays open
        if (!persistent) set(false);
      },
      cancel: (e) => e.preventDefault(),
      close: (e) => { if (!e.currentTarget.open) set(false); }, // closed by the browser all the same
    },
    // showModal: the rest of the page is inert, focus moves in; close() gives it back to the activator.
    // Moved in the page (a new layout), an open dialog is no longer modal: it is shown modal again.
    hook: (dom) => queueMicrotask(() => {
      if (!dom.isConnected) return;
      if (open && !dom.matches(":modal")) {
        if (dom.open) dom.close();
        dom.showModal();
      } else if (!open && dom.open) dom.close();
    }),
  }, [box]);
  return [...activatorSlot(c, props, isActive), node];
}

/** Close when the pointer goes down outside the popover and its activator (while it is open). */
function watchOutside(dom, anchor, close) {
  if (dom.vlOutside) return;
  dom.vlOutside = (e) => {
    if (!dom.isConnected) { unwatchOutside(dom); return; }
    if (!dom.contains(e.target) && !(anchor && anchor.contains(e.target))) close();
  };
  document.addEventListener("pointerdown", dom.vlOutside, true);
}

function unwatchOutside(dom) {
  if (!dom.vlOutside) return;
  document.removeEventListener("pointerdown", dom.vlOutside, true);
  dom.vlOutside = null;
}

function showPopover(dom, open, location, onOpen, onClose) {
  queueMicrotask(() => {
    if (!dom.isConnected) return;
    const shown = dom.matches(":popover-open");
    const anchor = anchorOf(dom);
    if (open) {
      if (!shown) dom.showPopover();
      place(dom, anchor, location);
      if (!shown && onOpen) onOpen(anchor);
    } else if (shown) {
      dom.hidePopover();
      if (onClose) onClose(anchor);
    }
  });
}

function menu(c) {
  const { open, set, own, isActive, toggle } = openState(c);
  own.id ||= `v-menu-${++serial}`;
  const closeOnClick = c.props.closeoncontentclick === undefined || truthy(c.props.closeoncontentclick);
  const escape = (e) => {
    if (e.key !== "Escape" || !own.shown) return;
    e.preventDefault();
    e.stopPropagation(); // not the dialog it is in
    set(false);
  };
  const props = { onClick: toggle, onKeydown: escape,
    "aria-haspopup": "menu", "aria-expanded": String(open), "aria-controls": own.id };
  const move = (dom, step) => {
    const items = [...dom.querySelectorAll(FOCUSABLE)];
    const at = items.indexOf(document.activeElement);
    const next = items[(at + step + items.length) % items.length];
    if (next) next.focus();
  };
  const node = root(c, "div", "v-menu v-overlay", {
    attrs: { popover: "manual", id: own.id },
    meta: c.props.activator === "parent" ? { parentActivator: props } : undefined,
    on: {
      click: (e) => { if (closeOnClick && e.target !== e.currentTarget) set(false); },
      keydown: (e) => {
        if (e.key === "Escape") escape(e);
        else if (e.key === "Enter" && closeOnClick && e.target.closest(ITEM) && !e.target.closest("button, a[href]")) {
          e.preventDefault(); // an item chosen by key (native buttons close by their click); no keypress for the activator
          set(false);
        }
        else if (e.key === "ArrowDown" || e.key === "ArrowUp") { e.preventDefault(); move(e.currentTarget, e.key === "ArrowDown" ? 1 : -1); }
      },
    },
    hook: (dom) => {
      showPopover(dom, open, c.props.location || "bottom start", (anchor) => {
        watchOutside(dom, anchor, () => set(false));
        const first = dom.querySelector(FOCUSABLE);
        if (first) first.focus();
      }, (anchor) => {
        unwatchOutside(dom);
        if (anchor && (dom.contains(document.activeElement) || document.activeElement === document.body)) anchor.focus();
      });
    },
  }, [el("div", { attrs: { class: "v-overlay__content", style: sizeStyle(c) } }, content(c, open, isActive))]);
  return [...activatorSlot(c, props, isActive), node];
}

function tooltip(c) {
  const { open, set, own, isActive } = openState(c);
  own.id ||= `v-tooltip-${++serial}`;
  const show = () => { if (!truthy(c.props.disabled)) set(true); };
  const hide = () => set(false);
  const props = { onMouseenter: show, onMouseleave: hide, onFocusin: show, onFocusout: hide,
    onKeydown: (e) => { if (e.key === "Escape") hide(); }, "aria-describedby": own.id };
  const given = c.children.filter((v) => v.text === undefined || v.text.trim());
  const text = c.slots.default ? c.slots.default({ isActive }) : given.length ? given : [str(c.props.text)];
  const node = root(c, "div", "v-tooltip v-overlay", {
    attrs: { popover: "manual", role: "tooltip", id: own.id },
    meta: c.props.activator === "parent" ? { parentActivator: props } : undefined,
    hook: (dom) => showPopover(dom, open, c.props.location || "end"),
  }, [el("div", { attrs: { class: "v-overlay__content" } }, text)]);
  return [...activatorSlot(c, props, isActive), node];
}

export const OVERLAYS = { "v-dialog": dialog, "v-menu": menu, "v-tooltip": tooltip };
