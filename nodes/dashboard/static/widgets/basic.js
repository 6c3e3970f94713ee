// Text, button and spacer widgets. Each factory gets the widget's item (its control merged with the
// values received) and a context with send(); it returns {update(item, event)} and fills ctx.el.

import { asText, interpolate } from "../format.js";
import { iconSymbol } from "./icons.js";

export function h(tag, attrs = {}, children = []) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") el.textContent = v;
    else if (k === "class") el.className = v;
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) el.append(c);
  return el;
}

/** The text of a label-like property: interpolated against the item (value, msg...). */
export function labelOf(item, key = "label") {
  return interpolate(item[key] ?? "", item);
}

export function text(ctx) {
  const label = h("span", { class: "ui-label" });
  const value = h("span", { class: "ui-value" });
  if (ctx.item.style) value.setAttribute("style", ctx.item.style);
  ctx.el.append(label, value);
  return {
    update(item) {
      ctx.el.classList.toggle("ui-column", item.layout === "column");
      ctx.el.dataset.align = item.layoutAlign || "space-between center";
      label.textContent = labelOf(item);
      value.textContent = item.format ? interpolate(item.format, item) : asText(item.value);
    },
  };
}

export function button(ctx) {
  const el = h("button", { type: "button", class: "ui-button" });
  ctx.el.append(el);
  el.addEventListener("click", (e) => {
    const box = el.getBoundingClientRect();
    ctx.send(ctx.item.value, {
      event: { clientX: e.clientX, clientY: e.clientY, bbox: [box.left, box.bottom, box.right, box.top] },
    });
  });
  return {
    update(item) {
      el.textContent = "";
      const icon = item.icon ? interpolate(item.icon, item) : "";
      if (icon) el.append(h("span", { class: "ui-icon", "aria-hidden": "true", text: iconText(icon) }));
      el.append(h("span", { text: labelOf(item) }));
      el.title = item.tooltip ? interpolate(item.tooltip, item) : "";
      el.style.color = item.color ? interpolate(item.color, item) : "";
      el.style.background = item.bgcolor ? interpolate(item.bgcolor, item) : "";
    },
    value: (item) => item.value,
  };
}

/** Icon names (Material, mdi-*, fa-*, wi-*) as symbols: no icon fonts here (icons.js). */
export function iconText(name) {
  return iconSymbol(name);
}

export function spacer() {
  return { update() {} };
}
