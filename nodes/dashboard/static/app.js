// The dashboard page: connects, draws the layout, applies values, sends what the user operates,
// and follows ui_control (tab switching, showing and hiding tabs and groups).
// Every widget cell carries data-value: its current value as JSON text.

import { focusPlace, restoreFocus } from "./focus.js";
import { applyLook, buildTabs } from "./layout.js";
import { showToast, Speaker } from "./notify.js";
import { DashboardSocket } from "./socket.js";
import { iconSymbol } from "./widgets/icons.js";
import { factoryFor, template } from "./widgets/index.js";

const state = { layout: null, tabs: [], selected: -1, items: new Map(), widgets: new Map(), cells: new Map(),
  drawnFrom: new Map(), globals: [] };
const socket = new DashboardSocket(onEvent, (s) => { document.getElementById("conn").dataset.state = s; });
const speaker = new Speaker((event) => socket.send(event));

function setValue(id) {
  const cell = state.cells.get(id);
  const widget = state.widgets.get(id);
  const item = state.items.get(id);
  if (!cell || !widget || !item) return;
  const value = widget.value ? widget.value(item) : item.value;
  cell.dataset.value = JSON.stringify(value === undefined ? null : value);
  cell.classList.toggle("ui-disabled", Boolean(item.disabled));
  cell.hidden = Boolean(item.hidden);
  cell.querySelectorAll("button, input, select, textarea").forEach((el) => { el.disabled = Boolean(item.disabled); });
}

function makeWidget(control, cell) {
  const factory = factoryFor(control.type);
  const item = { ...control };
  state.items.set(item.id, item);
  state.cells.set(item.id, cell);
  state.drawnFrom.set(item.id, JSON.stringify(control));
  if (!factory) {
    cell.textContent = control.type;
    return;
  }
  const ctx = {
    el: cell,
    get item() { return state.items.get(item.id); },
    send: (value, extra = {}) => socket.send({ type: "update-value", id: item.id, value, ...extra }),
    sendMsg: (msg) => socket.send({ type: "update-value", id: item.id, msg }),
    refresh: () => setValue(item.id),
  };
  const widget = factory(ctx);
  state.widgets.set(item.id, widget);
  widget.update(item, null);
  setValue(item.id);
}

/** A widget whose control is as the last layout had it stays drawn: its cell (moved into the new
 * layout) with what the user did there and, for templates, the component's own data, as Dashboard
 * 2's Vue keeps a component whose props did not change. A changed control draws the widget anew. */
function keptWidgets() {
  const before = new Map([...state.widgets].map(([id, widget]) => [id, { widget, item: state.items.get(id),
    cell: state.cells.get(id), drawnFrom: state.drawnFrom.get(id) }]));
  for (const map of [state.items, state.widgets, state.cells, state.drawnFrom]) map.clear();
  return (control) => {
    const was = before.get(control.id);
    const drawnFrom = JSON.stringify(control);
    if (!was || was.drawnFrom !== drawnFrom) return null;
    before.delete(control.id);
    state.items.set(control.id, was.item);
    state.widgets.set(control.id, was.widget);
    state.cells.set(control.id, was.cell);
    state.drawnFrom.set(control.id, drawnFrom);
    return was.cell;
  };
}

function render(layout) {
  state.layout = layout;
  const keep = keptWidgets();
  applyLook(layout);
  const site = layout.site || {};
  const title = (site && site.name) || "Node-RED Dashboard";
  document.title = title;
  document.getElementById("title").textContent = title;
  state.tabs = buildTabs(document.getElementById("tabs"), layout, { keep, make: makeWidget });
  renderGlobals(layout.globals || []);
  renderMenu();
  const fromHash = Number.parseInt(window.location.hash.replace(/^#\/?/, ""), 10);
  const usable = (t) => t && t.section && !t.entry.disabled;
  const previous = state.tabs[state.selected];
  const fromPath = tabAtPath();
  const start = fromPath >= 0 && usable(state.tabs[fromPath]) ? fromPath
    : usable(state.tabs[fromHash]) ? fromHash
    : usable(previous) ? state.selected : state.tabs.findIndex(usable);
  document.getElementById("nothing").hidden = start >= 0;
  if (start >= 0) select(start);
}

/** Global templates (their markup in the page's head); one whose control is unchanged stays as it is. */
function renderGlobals(globals) {
  const before = new Map(state.globals.map((g) => [g.id, g]));
  const kept = new Set(globals.filter((c) => before.has(c.id) && before.get(c.id).drawnFrom === JSON.stringify(c)).map((c) => c.id));
  document.querySelectorAll("[data-ui-global]").forEach((el) => { if (!kept.has(el.dataset.uiGlobal)) el.remove(); });
  state.globals = globals.map((control) => {
    if (kept.has(control.id)) return before.get(control.id);
    const widget = template({ el: null, item: control, sendMsg: (msg) => socket.send({ type: "update-value",
      id: control.id, msg }) }, { global: true });
    widget.update(control);
    return { id: control.id, widget, control, drawnFrom: JSON.stringify(control), msg: undefined };
  });
}

function renderMenu() {
  const nav = document.getElementById("menu");
  nav.textContent = "";
  for (const tab of state.tabs) {
    const { entry, index } = tab;
    if (entry.hidden) continue;
    const label = entry.header ?? entry.name ?? "";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    if (entry.icon) {
      const icon = document.createElement("span");
      icon.className = "ui-menu-icon";
      icon.setAttribute("aria-hidden", "true");
      icon.textContent = iconSymbol(entry.icon);
      button.prepend(icon);
    }
    button.dataset.uiMenu = String(index);
    button.disabled = Boolean(entry.disabled);
    button.setAttribute("aria-current", String(index === state.selected));
    button.addEventListener("click", () => {
      document.body.classList.remove("menu-open");
      if (tab.section) select(index);
      else if (entry.link) window.open(entry.link, entry.target === "thistab" ? "_self" : "_blank", "noopener");
    });
    nav.append(button);
  }
}

/** The tab whose Dashboard 2 page path is the location's (-1: none). */
function tabAtPath() {
  const base = new URL(document.baseURI).pathname.replace(/\/+$/, "");
  const here = window.location.pathname.replace(/\/+$/, "");
  return state.tabs.findIndex((t) => typeof t.entry.path === "string" && t.section
    && `${base}/${t.entry.path.replace(/^\/+|\/+$/g, "")}` === here);
}

function select(index) {
  const tab = state.tabs[index];
  if (!tab || !tab.section) return;
  state.selected = index;
  for (const t of state.tabs) if (t.section) t.section.hidden = t !== tab;
  document.querySelectorAll("#menu [data-ui-menu]").forEach((b) => {
    b.setAttribute("aria-current", String(Number(b.dataset.uiMenu) === index));
  });
  if (typeof tab.entry.path === "string") {
    // Dashboard 2: each page has its own path under the dashboard's (<base>/page1)
    const url = new URL(tab.entry.path.replace(/^\/+/, ""), document.baseURI);
    if (window.location.pathname !== url.pathname) history.replaceState(null, "", url.pathname + window.location.search);
  } else if (window.location.hash !== `#/${index}`) history.replaceState(null, "", `#/${index}`);
  socket.send({ type: "ui-change", index });
  // charts draw at their new size once visible
  for (const [id, widget] of state.widgets) {
    if (tab.section.contains(state.cells.get(id))) widget.update(state.items.get(id), null);
  }
}

function applyUpdate(event) {
  if (event.msg && event.msg.templateScope === "global") {
    const found = state.globals.find((g) => g.id === event.id);
    if (!found || (event.replayed && JSON.stringify(found.msg) === JSON.stringify(event.msg))) return;
    found.msg = event.msg;
    found.widget.update({ ...found.control, msg: event.msg });
    return;
  }
  const item = state.items.get(event.id);
  const widget = state.widgets.get(event.id);
  if (!item || !widget) return;
  const changes = Object.entries(event).filter(([k]) => k !== "id" && k !== "type" && k !== "replayed");
  // a replayed value the widget already shows is not a new message (its template's watchers stay quiet)
  if (event.replayed && changes.every(([k, v]) => JSON.stringify(item[k]) === JSON.stringify(v))) return;
  for (const [k, v] of changes) item[k] = v;
  widget.update(item, event);
  valueLater(event.id);
}

// data-value is written once a frame per widget: a chart's value is its whole data, and writing it
// for every one of ten points a second is most of what a busy page does
const stale = new Set();
function valueLater(id) {
  if (stale.size === 0) {
    requestAnimationFrame(() => {
      const ids = [...stale];
      stale.clear();
      for (const each of ids) setValue(each);
    });
  }
  stale.add(id);
}

function names(list) {
  return (Array.isArray(list) ? list : [list]).map((n) => String(n).toLowerCase().replace(/\s+/g, "_"));
}

function control(event) {
  if ("socketid" in event && event.socketid !== socket.id) return;
  if (event.control && state.items.has(event.id)) {
    applyUpdate({ id: event.id, ...event.control });
  }
  if (event.tabs && typeof event.tabs === "object") {
    for (const tab of state.tabs) {
      const name = String(tab.entry.header ?? tab.entry.name ?? "").toLowerCase().replace(/\s+/g, "_");
      if ("show" in event.tabs && names(event.tabs.show).includes(name)) tab.entry.hidden = false;
      if ("hide" in event.tabs && names(event.tabs.hide).includes(name)) tab.entry.hidden = true;
      if ("enable" in event.tabs && names(event.tabs.enable).includes(name)) tab.entry.disabled = false;
      if ("disable" in event.tabs && names(event.tabs.disable).includes(name)) tab.entry.disabled = true;
    }
    renderMenu();
  }
  if ("tab" in event) {
    const wanted = event.tab;
    if (wanted === "+1" || wanted === "-1") {
      const step = wanted === "+1" ? 1 : -1;
      const n = state.tabs.length;
      for (let i = 1; i <= n; i++) {
        const t = state.tabs[(((state.selected + step * i) % n) + n) % n];
        if (t.section && !t.entry.disabled && !t.entry.hidden) { select(t.index); break; }
      }
    } else {
      const byName = state.tabs.find((t) => wanted === t.entry.header || wanted === t.entry.name);
      const index = byName ? byName.index : Number.parseInt(wanted, 10);
      const tab = state.tabs[index];
      if (tab && !tab.entry.disabled) {
        if (tab.section) select(index);
        else if (tab.entry.link) window.open(tab.entry.link, "_blank", "noopener");
      }
    }
  }
  if (event.group && typeof event.group === "object") {
    for (const card of document.querySelectorAll("[data-ui-group-key]")) {
      const key = card.dataset.uiGroupKey;
      if (Array.isArray(event.group.show) && event.group.show.includes(key)) card.hidden = false;
      if (Array.isArray(event.group.hide) && event.group.hide.includes(key)) card.hidden = true;
      if (Array.isArray(event.group.open) && event.group.open.includes(key)) card.classList.remove("ui-collapsed");
      if (Array.isArray(event.group.close) && event.group.close.includes(key)) card.classList.add("ui-collapsed");
    }
  }
}

/** A new layout (a deploy) draws every widget again: the input being typed in stays focused with its
 * text. A deploy may send a layout without the widget first (its node restarting): the place is kept
 * for the layouts that follow, for a few seconds, unless the user focuses something else. */
let lostFocus = null;
function renderKeepingFocus(layout) {
  const tabs = document.getElementById("tabs");
  const idle = document.activeElement === null || document.activeElement === document.body;
  const place = focusPlace(tabs) || (idle && lostFocus && Date.now() - lostFocus.at < 5000 ? lostFocus.place : null);
  render(layout);
  lostFocus = place && !restoreFocus(tabs, place) ? { place, at: lostFocus && lostFocus.place === place ? lostFocus.at : Date.now() } : null;
}

function onEvent(event) {
  switch (event.type) {
    case "ui-controls":
      renderKeepingFocus(event);
      socket.send({ type: "ui-params", params: Object.fromEntries(new URLSearchParams(window.location.search)) });
      socket.send({ type: "ui-replay-state" });
      break;
    case "update-value":
      applyUpdate(event);
      break;
    case "ui-control":
      control(event);
      break;
    case "show-toast":
      showToast(event, (value) => socket.send({ type: "update-value", id: event.id, value }));
      break;
    case "ui-audio": {
      const tab = state.tabs[state.selected];
      speaker.play(event, tab && tab.entry.header);
      break;
    }
    default:
      break;
  }
}

document.getElementById("menu-toggle").addEventListener("click", () => document.body.classList.toggle("menu-open"));
document.getElementById("sound").addEventListener("click", (e) => {
  speaker.enabled = !speaker.enabled;
  e.currentTarget.setAttribute("aria-pressed", String(speaker.enabled));
});
document.getElementById("tabs").addEventListener("ui-collapse", (e) => {
  const tab = state.tabs[state.selected];
  socket.send({ type: "ui-collapse", group: `${tab ? tab.entry.header : ""} ${e.detail.group}`.replace(/ /g, "_"),
    state: e.detail.state });
});
window.addEventListener("hashchange", () => {
  const index = Number.parseInt(window.location.hash.replace(/^#\/?/, ""), 10);
  if (index !== state.selected && state.tabs[index]) select(index);
});
window.dashboard = { state, socket };
socket.connect();
