// The page's structure from a `ui-controls` event: one section per tab ([data-ui-tab]), its groups
// as cards ([data-ui-group]) laid out on a grid of widget units, and one cell per widget
// ([data-ui-widget], spanning its width x height). Widths and heights follow Dashboard 1's sizes
// (site.sizes: sx/sy unit, cx/cy gap, px/py padding; 0 = the group's width, automatic height).

import { unwatchAll, watchGroups } from "./masonry.js";
import { h } from "./widgets/basic.js";

const DEFAULT_SIZES = { sx: 48, sy: 48, gx: 6, gy: 6, cx: 6, cy: 6, px: 0, py: 0 };

export function sizesOf(layout) {
  const sizes = layout && layout.site && layout.site.sizes;
  return { ...DEFAULT_SIZES, ...(sizes && typeof sizes === "object" ? sizes : {}) };
}

function units(value, fallback) {
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** A template with no height (auto) takes as many rows of the unit grid as its content needs. */
function fitRows(cell) {
  cell.classList.add("ui-auto-height");
  new ResizeObserver(() => {
    const look = getComputedStyle(cell);
    const row = Number.parseFloat(look.getPropertyValue("--sy")) || 48;
    const gap = Number.parseFloat(look.getPropertyValue("--cy")) || 0;
    const rows = `span ${Math.max(1, Math.ceil((cell.offsetHeight + gap) / (row + gap)))}`;
    if (cell.style.gridRow !== rows) cell.style.gridRow = rows;
  }).observe(cell);
}

/** Apply the sizes and the theme's colours as CSS variables. */
export function applyLook(layout) {
  const root = document.documentElement.style;
  const sizes = sizesOf(layout);
  for (const [k, v] of Object.entries(sizes)) root.setProperty(`--${k}`, `${Number(v) || 0}px`);
  const state = layout && layout.theme && layout.theme.themeState;
  const names = {
    "page-backgroundColor": "--page-bg", "page-titlebar-backgroundColor": "--titlebar-bg",
    "page-sidebar-backgroundColor": "--sidebar-bg", "group-backgroundColor": "--group-bg",
    "group-textColor": "--group-text", "group-borderColor": "--group-border", "widget-textColor": "--widget-text",
    "widget-backgroundColor": "--widget-bg", "base-color": "--base-color", "base-font": "--base-font",
  };
  for (const [key, variable] of Object.entries(names)) {
    const value = state && state[key] && state[key].value;
    if (typeof value === "string" && value) root.setProperty(variable, value);
    else root.removeProperty(variable);
  }
  const name = layout && layout.theme && layout.theme.name;
  document.documentElement.dataset.theme = name === "theme-dark" ? "dark" : "light";
}

/**
 * Build the tabs into `container`. `widgets.keep(item)` gives the cell a widget is already drawn in
 * when it stays as it is (null: draw it), `widgets.make(item, cell)` draws one widget into a new cell.
 * Returns the tab entries in menu order: {index, entry, section?}.
 */
export function buildTabs(container, layout, widgets) {
  unwatchAll();
  container.textContent = "";
  const tabs = [];
  (layout.menu || []).forEach((entry, index) => {
    if (!Array.isArray(entry.items)) {
      tabs.push({ index, entry, section: null });
      return;
    }
    const section = h("section", { class: "ui-tab", "data-ui-tab": entry.id, "aria-label": entry.header || "" });
    section.hidden = true;
    const groups = h("div", { class: "ui-groups" });
    section.append(groups);
    for (const group of entry.items) groups.append(buildGroup(entry, group, widgets));
    container.append(section);
    watchGroups(groups);
    tabs.push({ index, entry, section });
  });
  return tabs;
}

/** Dashboard 1's name for a group in ui_control messages: "<tab>_<group>" with spaces as "_". */
export function groupKey(tab, group) {
  return `${tab.header} ${group.header && group.header.name}`.replace(/ /g, "_");
}

function buildGroup(tab, group, widgets) {
  const config = (group.header && group.header.config) || {};
  const cols = units(config.width, 6);
  const card = h("section", { class: `ui-group ${config.className || ""}`.trim(), "data-ui-group": group.id,
    "data-ui-group-key": groupKey(tab, group) });
  card.style.setProperty("--cols", String(cols));
  const grid = h("div", { class: "ui-grid" });
  if (config.disp !== false) {
    const title = h("h2", { class: "ui-group-title", text: (group.header && group.header.name) || "" });
    card.append(title);
    if (config.collapse) {
      title.classList.add("ui-collapsible");
      title.tabIndex = 0;
      title.addEventListener("click", () => {
        card.classList.toggle("ui-collapsed");
        card.dispatchEvent(new CustomEvent("ui-collapse", { bubbles: true,
          detail: { group: group.header.name, state: !card.classList.contains("ui-collapsed") } }));
      });
    }
  }
  card.append(grid);
  for (const item of group.items || []) {
    const kept = widgets.keep(item);
    const cell = kept || h("div", { class: `ui-widget ${item.className || ""}`.trim(), "data-ui-widget": item.id,
      "data-ui-type": item.type });
    cell.style.gridColumn = `span ${Math.min(units(item.width, cols), cols)}`;
    grid.append(cell);
    if (kept) continue;
    cell.style.gridRow = `span ${units(item.height, 1)}`;
    widgets.make(item, cell);
    if (item.type === "template" && units(item.height, 0) === 0) fitRows(cell);
  }
  return card;
}
