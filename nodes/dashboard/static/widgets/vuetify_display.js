// Vuetify's layout and display components as plain elements for Dashboard 2 templates: grid
// (v-container/v-row/v-col), cards, lists, toolbars, chips, alerts, icons, avatars, images,
// progress bars and circles, tables and data tables, expansion panels. Each takes the props real
// templates give it (title, text, color, variant, model-value...) and the default and named slots.
// Styles: vuetify.css (Vuetify's class names, theme colours from the page's variables).

import { iconSymbol } from "./icons.js";
import { el } from "./vdom.js";

const COLOURS = { primary: "var(--base-color)", secondary: "#5c6bc0", accent: "#82b1ff", error: "#d32f2f",
  info: "#2196f3", success: "#4caf50", warning: "#fb8c00", surface: "var(--group-bg)", background: "var(--page-bg)" };

/** A Vuetify colour name ("primary", "red-darken-2", "#f00") as CSS. */
export function colour(name) {
  if (typeof name !== "string" || !name) return undefined;
  const base = name.replace(/-(lighten|darken|accent)-\d$/, "");
  return COLOURS[base] ?? base;
}

export const truthy = (v) => v !== undefined && v !== false && v !== null && v !== "false";
export const str = (v) => (v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));

/** The component's root element: its own classes, the author's class/style/id, its colour as --vc. */
export function root(c, tag, cls, data = {}, children = []) {
  const attrs = { ...c.attrs, ...(data.attrs || {}) };
  attrs.class = [cls, c.props.variant ? `v-variant-${c.props.variant}` : "", truthy(c.props.disabled) ? "v-disabled" : "",
    c.attrs.class].filter(Boolean).join(" ");
  const col = colour(c.props.color ?? c.props.bgcolor);
  const style = [data.style, col ? `--vc:${col}` : "", c.attrs.style].filter(Boolean).join(";");
  if (style) attrs.style = style;
  return el(tag, { ...data, attrs, key: c.key, ref: c.ref }, children);
}

export function icon(name, cls = "v-icon") {
  return name && typeof name === "string" ? el("span", { attrs: { class: cls, "aria-hidden": "true" } }, [iconSymbol(name)]) : null;
}

const slot = (c, name, props) => (c.slots[name] ? c.slots[name](props) : null);
const div = (cls) => (c) => root(c, "div", cls, {}, c.children);

function titled(cls, parts) {
  return (c) => root(c, "div", cls, {}, [
    slot(c, "prepend") || (c.props.prependicon ? icon(c.props.prependicon) : null),
    ...parts.map(([key, partCls]) => slot(c, key) ? el("div", { attrs: { class: partCls } }, slot(c, key))
      : c.props[key] !== undefined && c.props[key] !== true ? el("div", { attrs: { class: partCls } }, [str(c.props[key])]) : null),
    ...c.children, slot(c, "actions") ? el("div", { attrs: { class: "v-card-actions" } }, slot(c, "actions")) : null,
    slot(c, "append") || (c.props.appendicon ? icon(c.props.appendicon) : null)]);
}

function col(c) {
  const span = Number(c.props.cols ?? c.props.md ?? c.props.sm ?? c.props.lg ?? c.props.xl);
  const style = Number.isFinite(span) && span > 0 ? `flex:0 0 ${(span / 12) * 100}%;max-width:${(span / 12) * 100}%` : "";
  return root(c, "div", "v-col", { style }, c.children);
}

function listItem(c) {
  const clickable = typeof c.on.click === "function" || truthy(c.props.link) || c.props.to || c.props.href;
  const data = clickable ? { attrs: { role: "button", tabindex: "0" }, on: { click: (e) => c.emit("click", e),
    keydown: (e) => { if (e.key === "Enter") c.emit("click", e); } } } : {};
  return root(c, "div", `v-list-item${clickable ? " v-list-item--link" : ""}${truthy(c.props.active) ? " v-list-item--active" : ""}`, data, [
    slot(c, "prepend") || icon(c.props.prependicon),
    el("div", { attrs: { class: "v-list-item__content" } }, [
      c.props.title !== undefined || slot(c, "title") ? el("div", { attrs: { class: "v-list-item-title" } }, slot(c, "title") || [str(c.props.title)]) : null,
      c.props.subtitle !== undefined || slot(c, "subtitle") ? el("div", { attrs: { class: "v-list-item-subtitle" } }, slot(c, "subtitle") || [str(c.props.subtitle)]) : null,
      ...c.children]),
    slot(c, "append") || icon(c.props.appendicon)]);
}

function chip(c) {
  const close = truthy(c.props.closable) ? el("button", { attrs: { type: "button", class: "v-chip__close", "aria-label": "Close" },
    on: { click: (e) => { e.stopPropagation(); c.emit("click:close", e); c.emit("update:modelValue", false); } } }, ["✕"]) : null;
  if (c.props.modelvalue === false) return null;
  return root(c, "span", "v-chip", typeof c.on.click === "function" ? { on: { click: (e) => c.emit("click", e) } } : {},
    [icon(c.props.prependicon), ...(c.children.length ? c.children : [str(c.props.text)]), icon(c.props.appendicon), close]);
}

const ALERT_ICONS = { success: "check", info: "info", warning: "warning", error: "error" };
function alert(c) {
  if (c.props.modelvalue === false) return null;
  const type = c.props.type;
  return root(c, "div", `v-alert${type ? ` v-alert--${type}` : ""}`, { attrs: { role: "alert" }, style: type ? `--vc:${colour(type)}` : "" }, [
    c.props.icon === false ? null : icon(c.props.icon || ALERT_ICONS[type], "v-icon v-alert__icon"),
    el("div", { attrs: { class: "v-alert__content" } }, [
      c.props.title || slot(c, "title") ? el("div", { attrs: { class: "v-alert-title" } }, slot(c, "title") || [str(c.props.title)]) : null,
      c.props.text !== undefined ? str(c.props.text) : null, ...c.children])]);
}

function vIcon(c) {
  const name = c.props.icon || c.children.map((v) => v.text || "").join("").trim();
  const size = Number(c.props.size);
  return root(c, "span", "v-icon", { attrs: { "aria-hidden": "true" }, style: Number.isFinite(size) ? `font-size:${size}px` : "" },
    [iconSymbol(name)]);
}

function progressLinear(c) {
  const value = Math.min(Math.max(Number(c.props.modelvalue ?? c.props.value ?? 0) || 0, 0), 100);
  const max = Number(c.props.max ?? 100) || 100;
  const pct = Math.min((value / max) * 100, 100);
  const height = Number(c.props.height ?? 4);
  return root(c, "div", `v-progress-linear${truthy(c.props.indeterminate) ? " v-progress-linear--indeterminate" : ""}`,
    { attrs: { role: "progressbar", "aria-valuemin": "0", "aria-valuemax": String(max), "aria-valuenow": String(value) },
      style: `height:${height}px` }, [
      el("div", { attrs: { class: "v-progress-linear__bar", style: `width:${pct}%` } }),
      c.children.length ? el("div", { attrs: { class: "v-progress-linear__content" } }, c.children) : null]);
}

function progressCircular(c) {
  const size = Number(c.props.size ?? 32) || 32;
  const width = Number(c.props.width ?? 4) || 4;
  const value = Math.min(Math.max(Number(c.props.modelvalue ?? c.props.value ?? 0) || 0, 0), 100);
  const r = (size - width) / 2;
  const length = 2 * Math.PI * r;
  const ns = "http://www.w3.org/2000/svg";
  const ring = (cls, dash) => el("circle", { ns, attrs: { class: cls, cx: String(size / 2), cy: String(size / 2), r: String(r),
    fill: "none", "stroke-width": String(width), ...(dash ? { "stroke-dasharray": `${(value / 100) * length} ${length}`,
      transform: `rotate(-90 ${size / 2} ${size / 2})` } : {}) } });
  return root(c, "div", "v-progress-circular", { attrs: { role: "progressbar", "aria-valuenow": String(value) },
    style: `width:${size}px;height:${size}px` }, [
    el("svg", { ns, attrs: { viewBox: `0 0 ${size} ${size}`, width: String(size), height: String(size) } },
      [ring("v-progress-circular__underlay"), ring("v-progress-circular__overlay", true)]),
    c.children.length ? el("div", { attrs: { class: "v-progress-circular__content" } }, c.children) : null]);
}

function dataTable(c) {
  const items = Array.isArray(c.props.items) ? c.props.items : [];
  const given = Array.isArray(c.props.headers) ? c.props.headers : null;
  const keys = [];
  if (!given) for (const row of items) if (row && typeof row === "object") for (const k of Object.keys(row)) if (!keys.includes(k)) keys.push(k);
  const headers = (given || keys.map((key) => ({ title: key, key }))).map((h) => ({ ...h, key: h.key ?? h.value }));
  const per = Number(c.props.itemsperpage ?? 10);
  const shown = per > 0 ? items.slice(0, per) : items;
  const cell = (row, h) => {
    const custom = c.slots[`item.${h.key}`];
    return el("td", { attrs: h.align ? { style: `text-align:${h.align}` } : {} },
      custom ? custom({ item: row, value: row?.[h.key] }) : [str(row && typeof row === "object" ? row[h.key] : row)]);
  };
  return root(c, "div", "v-table v-data-table", {}, [el("table", {}, [
    el("thead", {}, [el("tr", {}, headers.map((h) => el("th", { attrs: h.align ? { style: `text-align:${h.align}` } : {} }, [str(h.title ?? h.text ?? h.key)])))]),
    el("tbody", {}, shown.length ? shown.map((row, i) => el("tr", { key: i, on: { click: (e) => c.emit("click:row", e, { item: row }) } },
      c.slots.item ? c.slots.item({ item: row, index: i }) : headers.map((h) => cell(row, h))))
      : [el("tr", {}, [el("td", { attrs: { colspan: String(headers.length || 1), class: "v-data-table__empty" } },
        [str(c.props.nodatatext ?? "No data available")])])])])]);
}

function expansionPanel(c) {
  return root(c, "details", "v-expansion-panel", {}, [
    el("summary", { attrs: { class: "v-expansion-panel-title" } }, slot(c, "title") || [str(c.props.title ?? "")]),
    c.props.text !== undefined ? el("div", { attrs: { class: "v-expansion-panel-text" } }, [str(c.props.text)]) : null,
    ...c.children]);
}

export const DISPLAY = {
  "v-app": div("v-app"), "v-main": div("v-main"), "v-layout": div("v-layout"), "v-container": div("v-container"),
  "v-row": div("v-row"), "v-col": col, "v-sheet": div("v-sheet"), "v-spacer": div("v-spacer"),
  "v-divider": (c) => root(c, "hr", "v-divider"),
  "v-card": titled("v-card", [["title", "v-card-title"], ["subtitle", "v-card-subtitle"], ["text", "v-card-text"]]),
  "v-card-item": titled("v-card-item", [["title", "v-card-title"], ["subtitle", "v-card-subtitle"]]),
  "v-card-title": div("v-card-title"), "v-card-subtitle": div("v-card-subtitle"), "v-card-text": div("v-card-text"),
  "v-card-actions": div("v-card-actions"),
  "v-toolbar": titled("v-toolbar", [["title", "v-toolbar-title"]]), "v-toolbar-title": div("v-toolbar-title"),
  "v-toolbar-items": div("v-toolbar-items"),
  "v-list": (c) => root(c, "div", "v-list", { attrs: { role: "list" } }, c.children), "v-list-item": listItem,
  "v-list-item-title": div("v-list-item-title"), "v-list-item-subtitle": div("v-list-item-subtitle"),
  "v-list-subheader": div("v-list-subheader"), "v-chip": chip, "v-chip-group": div("v-chip-group"),
  "v-alert": alert, "v-icon": vIcon, "v-avatar": (c) => root(c, "span", "v-avatar", {}, c.props.image
    ? [el("img", { attrs: { src: str(c.props.image), alt: "" } })] : c.children),
  "v-img": (c) => root(c, "img", "v-img", { attrs: { src: str(c.props.src), alt: str(c.props.alt ?? ""),
    ...(c.props.width ? { width: str(c.props.width) } : {}), ...(c.props.height ? { height: str(c.props.height) } : {}) } }),
  "v-progress-linear": progressLinear, "v-progress-circular": progressCircular,
  "v-table": (c) => root(c, "div", "v-table", {}, [el("table", {}, c.children)]), "v-data-table": dataTable,
  "v-expansion-panels": div("v-expansion-panels"), "v-expansion-panel": expansionPanel,
  "v-expansion-panel-title": (c) => root(c, "div", "v-expansion-panel-title", {}, c.children),
  "v-expansion-panel-text": div("v-expansion-panel-text"),
  "v-badge": (c) => root(c, "span", "v-badge", {}, [...c.children, el("span", { attrs: { class: "v-badge__badge" } }, [str(c.props.content ?? "")])]),
  "v-responsive": div("v-responsive"), "v-footer": div("v-footer"),
  "v-label": (c) => root(c, "label", "v-label", {}, c.children),
};
