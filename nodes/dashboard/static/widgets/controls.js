// Input widgets, operated through their native controls: switch (checkbox), slider (range),
// numeric (number + buttons), text input, dropdown (select), date and colour pickers, form.
// What each sends is what Dashboard 1's page sends: {id, value} with the widget's raw value.

import { interpolate } from "../format.js";
import { h, labelOf } from "./basic.js";

function labelled(ctx, control) {
  const label = h("span", { class: "ui-label" });
  ctx.el.append(label, control);
  return label;
}

export function switchWidget(ctx) {
  const input = h("input", { type: "checkbox", role: "switch", class: "ui-switch" });
  const label = h("label", { class: "ui-switch-label" });
  const caption = h("span", { class: "ui-label" });
  label.append(caption, input);
  ctx.el.append(label);
  input.addEventListener("change", () => {
    const value = !ctx.item.value;
    ctx.item.value = value; // shown at once; the runtime echoes it to every page (or not, when decoupled)
    ctx.send(value);
    ctx.refresh();
  });
  return {
    update(item) {
      caption.textContent = labelOf(item);
      input.checked = Boolean(item.value);
      input.title = item.tooltip ? interpolate(item.tooltip, item) : "";
      const on = Boolean(item.value);
      const color = on ? item.oncolor : item.offcolor;
      input.style.accentColor = color || "";
    },
  };
}

export function slider(ctx) {
  const input = h("input", { type: "range", class: "ui-slider" });
  const shown = h("span", { class: "ui-slider-value" });
  const label = labelled(ctx, input);
  ctx.el.append(shown);
  const send = () => {
    const value = Number(input.value);
    ctx.item.value = value;
    ctx.send(value);
    ctx.refresh();
  };
  let timer = null;
  input.addEventListener("input", () => {
    shown.textContent = input.value;
    if ((ctx.item.outs || "all") !== "all") return;
    clearTimeout(timer);
    timer = setTimeout(send, 10); // Dashboard 1 throttles a moving slider to one value per 10 ms
  });
  input.addEventListener("change", () => {
    clearTimeout(timer);
    send();
  });
  return {
    update(item) {
      label.textContent = labelOf(item);
      Object.assign(input, { min: item.min, max: item.max, step: item.step || 1 });
      input.dir = item.invert ? "rtl" : "";
      if (item.value !== undefined && item.value !== null && item.value !== "") input.value = item.value;
      shown.textContent = input.value;
      input.title = item.tooltip ? interpolate(item.tooltip, item) : "";
    },
  };
}

export function numeric(ctx) {
  const down = h("button", { type: "button", class: "ui-step", "aria-label": "decrease", text: "−" });
  const input = h("input", { type: "number", class: "ui-numeric" });
  const up = h("button", { type: "button", class: "ui-step", "aria-label": "increase", text: "+" });
  const box = h("span", { class: "ui-numeric-box" }, [down, input, up]);
  const label = labelled(ctx, box);
  const send = (value) => {
    ctx.item.value = value;
    ctx.send(value);
    ctx.refresh();
  };
  const step = (delta) => {
    const item = ctx.item;
    let v = Number.parseFloat(item.value);
    if (Number.isNaN(v)) v = item.min;
    if (delta > 0) v = v >= item.max ? (item.wrap ? item.min : item.max) : Math.min(v + delta, item.max);
    else v = v <= item.min ? (item.wrap ? item.max : item.min) : Math.max(v + delta, item.min);
    send(Math.round(v * 10000) / 10000);
  };
  down.addEventListener("click", () => step(-(ctx.item.step || 1)));
  up.addEventListener("click", () => step(ctx.item.step || 1));
  input.addEventListener("change", () => {
    const v = Number.parseFloat(input.value);
    if (!Number.isNaN(v)) send(Math.min(Math.max(v, ctx.item.min), ctx.item.max));
  });
  return {
    update(item) {
      label.textContent = labelOf(item);
      Object.assign(input, { min: item.min, max: item.max, step: item.step || 1 });
      if (document.activeElement !== input) input.value = item.value ?? "";
      input.title = item.format ? interpolate(item.format, item) : "";
    },
  };
}

function timeValue(mode, text) {
  // Dashboard 1's page sends a Date for time inputs: 1970-01-01 at that local time
  if (mode === "time" && /^\d\d:\d\d/.test(text)) {
    const [hh, mm] = text.split(":").map(Number);
    return new Date(1970, 0, 1, hh, mm).toISOString();
  }
  return text;
}

export function textInput(ctx) {
  const input = h("input", { class: "ui-text-input" });
  const label = labelled(ctx, input);
  let timer = null;
  let lastSent;
  const send = () => {
    const value = input.type === "number" ? (input.value === "" ? "" : Number(input.value)) : input.value;
    ctx.item.value = value;
    lastSent = value;
    ctx.send(timeValue(ctx.item.mode, value));
    ctx.refresh();
  };
  input.addEventListener("input", () => {
    if (ctx.item.type === "text-input-CR") return;
    clearTimeout(timer);
    timer = setTimeout(send, Number(ctx.item.delay) || 300);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || (e.key === "Tab" && ctx.item.type === "text-input-CR")) {
      clearTimeout(timer);
      send();
    }
  });
  input.addEventListener("blur", () => {
    if (ctx.item.type === "text-input-CR" && ctx.item.sendOnBlur !== false && input.value !== lastSent) send();
  });
  return {
    update(item) {
      input.type = item.mode || "text";
      label.textContent = labelOf(item);
      input.placeholder = labelOf(item);
      input.title = item.tooltip ? interpolate(item.tooltip, item) : "";
      if (document.activeElement !== input) input.value = item.value ?? "";
    },
  };
}

export function dropdown(ctx) {
  const select = h("select", { class: "ui-dropdown" });
  const label = labelled(ctx, select);
  let options = [];
  select.addEventListener("change", () => {
    const chosen = [...select.selectedOptions].map((o) => options[Number(o.value)]?.value);
    const value = ctx.item.multiple ? chosen : chosen[0];
    ctx.item.value = value;
    ctx.send(value);
    ctx.refresh();
  });
  return {
    update(item, event) {
      if (event && event.isOptionsValid && Array.isArray(event.newOptions)) item.options = event.newOptions;
      options = Array.isArray(item.options) ? item.options : [];
      select.multiple = Boolean(item.multiple);
      label.textContent = labelOf(item);
      select.title = item.tooltip ? interpolate(item.tooltip, item) : "";
      const wanted = (Array.isArray(item.value) ? item.value : [item.value]).map((v) => JSON.stringify(v));
      select.textContent = "";
      if (!item.multiple) select.append(h("option", { value: "", disabled: true, text: item.place || "" }));
      let chosen = false;
      options.forEach((o, i) => {
        const selected = wanted.includes(JSON.stringify(o.value)) || wanted.includes(JSON.stringify(String(o.value)));
        chosen ||= selected;
        select.append(h("option", { value: String(i), text: String(o.label ?? o.value), selected }));
      });
      // nothing chosen yet: the placeholder (a browser would show the first option instead)
      if (!item.multiple && (!chosen || select.selectedIndex < 0)) select.selectedIndex = 0;
    },
  };
}

export function datePicker(ctx) {
  const input = h("input", { type: "date", class: "ui-date" });
  const label = labelled(ctx, input);
  input.addEventListener("change", () => {
    if (!input.value) return;
    const value = new Date(input.value + "T00:00:00.000Z").toISOString();
    ctx.item.value = value;
    ctx.send(value);
    ctx.refresh();
  });
  return {
    update(item) {
      label.textContent = labelOf(item);
      const d = new Date(item.value ?? item.ddd);
      if (!Number.isNaN(d.valueOf())) input.value = d.toISOString().slice(0, 10);
    },
  };
}

export function colourPicker(ctx) {
  const input = h("input", { type: "color", class: "ui-colour" });
  const label = labelled(ctx, input);
  const send = () => {
    ctx.item.value = input.value;
    ctx.send(input.value);
    ctx.refresh();
  };
  input.addEventListener("change", send);
  input.addEventListener("input", () => { if (String(ctx.item.dynOutput) === "true") send(); });
  return {
    update(item) {
      label.textContent = labelOf(item);
      if (typeof item.value === "string" && /^#[0-9a-f]{6}/i.test(item.value)) input.value = item.value.slice(0, 7);
    },
  };
}

export function form(ctx) {
  const el = h("form", { class: "ui-form" });
  ctx.el.append(el);
  const build = (item) => {
    el.textContent = "";
    if (item.label) el.append(h("div", { class: "ui-form-title", text: item.label }));
    for (const field of item.options || []) {
      const type = { multiline: "textarea", checkbox: "checkbox", switch: "checkbox" }[field.type] || field.type || "text";
      const input = type === "textarea"
        ? h("textarea", { name: field.value, rows: field.rows || 3, required: field.required })
        : h("input", { type, name: field.value, required: field.required && type !== "checkbox" });
      el.append(h("label", { class: "ui-form-field" }, [h("span", { text: field.label || field.value }), input]));
    }
    const buttons = h("div", { class: "ui-form-buttons" });
    if (item.submit) buttons.append(h("button", { type: "submit", text: item.submit }));
    if (item.cancel) buttons.append(h("button", { type: "reset", text: item.cancel }));
    el.append(buttons);
  };
  el.addEventListener("submit", (e) => {
    e.preventDefault();
    const value = {};
    for (const field of ctx.item.options || []) {
      const input = el.elements.namedItem(field.value);
      if (!input) continue;
      value[field.value] = input.type === "checkbox" ? input.checked : input.type === "number" ? Number(input.value) : input.value;
    }
    ctx.send(value);
    el.reset();
  });
  let built = false;
  return {
    update(item) {
      if (!built) { build(item); built = true; }
      if (item.value && typeof item.value === "object") {
        for (const [k, v] of Object.entries(item.value)) {
          const input = el.elements.namedItem(k);
          if (input && input.type === "checkbox") input.checked = Boolean(v);
          else if (input) input.value = v ?? "";
        }
      }
    },
  };
}
