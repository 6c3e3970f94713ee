// Vuetify's input components as native controls for Dashboard 2 templates: v-btn, v-btn-toggle,
// v-text-field, v-textarea, v-number-input, v-switch, v-checkbox, v-slider, v-select (also
// v-autocomplete and v-combobox), v-radio-group/v-radio, v-tabs/v-tab, v-window, v-form, v-file-input,
// and colour and date pickers. v-model works as in Vuetify (update:modelValue), and the events templates
// listen to (@click, @change, @keyup.enter, @blur, @end, @click:clear...) reach their handlers.
// Layout and display components: vuetify_display.js; dialogs, menus and tooltips: vuetify_overlay.js.

import { el } from "./vdom.js";
import { DISPLAY, icon, root, str, truthy } from "./vuetify_display.js";
import { OVERLAYS } from "./vuetify_overlay.js";

const NATIVE = /^[a-z]+$/; // component events with a ":" (click:clear, update:modelValue) are not DOM events

/** The author's DOM event handlers, for the component's native control. */
function forward(c, extra = {}) {
  const on = {};
  for (const [name, fn] of Object.entries(c.on)) if (NATIVE.test(name)) on[name] = fn;
  for (const [name, fn] of Object.entries(extra)) {
    const given = on[name];
    on[name] = given ? (e) => { fn(e); given(e); } : fn;
  }
  return on;
}

const same = (a, b) => a === b || (a !== null && b !== null && typeof a === "object" && JSON.stringify(a) === JSON.stringify(b))
  || (typeof a !== "object" && typeof b !== "object" && a !== undefined && b !== undefined && String(a) === String(b));

function btn(c) {
  const link = c.props.href !== undefined;
  const disabled = truthy(c.props.disabled) || truthy(c.props.loading);
  const content = c.children.length ? c.children : c.props.text !== undefined && c.props.text !== true ? [str(c.props.text)]
    : typeof c.props.icon === "string" ? [icon(c.props.icon)] : [];
  const attrs = link ? { href: str(c.props.href), target: str(c.props.target || "_self") }
    : { type: str(c.props.type || "button"), ...(disabled ? { disabled: "" } : {}) };
  const cls = `v-btn${truthy(c.props.block) ? " v-btn--block" : ""}${c.props.icon ? " v-btn--icon" : ""}${truthy(c.props.active) ? " v-btn--active" : ""}`;
  return root(c, link ? "a" : "button", cls, { attrs, on: forward(c), meta: { value: c.props.value } },
    [icon(c.props.prependicon), ...(truthy(c.props.loading) ? ["…"] : content), icon(c.props.appendicon)]);
}

/** Children that are options (buttons, tabs, window items) marked by the model's value. */
function choose(c, tag, mark) {
  const multiple = truthy(c.props.multiple);
  const current = c.props.modelvalue;
  let index = 0;
  const visit = (v) => {
    if (v.tag === tag && v.meta) {
      const value = v.meta.value !== undefined && v.meta.value !== true ? v.meta.value : index;
      index += 1;
      const chosen = multiple ? Array.isArray(current) && current.some((x) => same(x, value)) : same(current, value);
      mark(v, value, chosen, () => {
        if (!multiple) c.emit("update:modelValue", chosen && !truthy(c.props.mandatory) && tag === "button" ? undefined : value);
        else {
          const list = Array.isArray(current) ? [...current] : [];
          c.emit("update:modelValue", chosen ? list.filter((x) => !same(x, value)) : [...list, value]);
        }
      });
    } else if (Array.isArray(v.children)) v.children.forEach(visit);
  };
  c.children.forEach(visit);
}

function btnToggle(c) {
  choose(c, "button", (v, value, chosen, pick) => {
    v.attrs = { ...v.attrs, "aria-pressed": String(chosen), class: `${v.attrs.class || ""}${chosen ? " v-btn--active" : ""}` };
    const click = v.on.click;
    v.on = { ...v.on, click: (e) => { pick(); if (click) click(e); } };
  });
  return root(c, "div", "v-btn-toggle v-btn-group", { attrs: { role: "group" } }, c.children);
}

function firstError(c, value) {
  if (c.props.errormessages) return Array.isArray(c.props.errormessages) ? str(c.props.errormessages[0] ?? "") : str(c.props.errormessages);
  for (const rule of Array.isArray(c.props.rules) ? c.props.rules : []) {
    const result = typeof rule === "function" ? c.api.safe(() => rule(value), true) : rule;
    if (result !== true && result !== undefined && result !== null) return str(result);
  }
  return "";
}

function field(c, control, value, cls) {
  const error = firstError(c, value);
  const clear = truthy(c.props.clearable) && value !== null && value !== undefined && value !== ""
    ? el("button", { attrs: { type: "button", class: "v-field__clearable", "aria-label": "Clear" },
      on: { click: (e) => { e.preventDefault(); c.emit("update:modelValue", null); c.emit("click:clear", e); } } }, ["✕"]) : null;
  const { id, ...rest } = c.attrs;
  if (id) control.attrs.id = id;
  return root({ ...c, attrs: rest }, "div", `v-input ${cls}${error ? " v-input--error" : ""}`, {}, [
    el("label", { attrs: { class: "v-field" } }, [
      c.props.label !== undefined ? el("span", { attrs: { class: "v-label" } }, [str(c.props.label)]) : null,
      el("span", { attrs: { class: "v-field__input" } }, [icon(c.props.prependinnericon), c.props.prefix ? str(c.props.prefix) : null,
        control, c.props.suffix ? str(c.props.suffix) : null, icon(c.props.appendinnericon)]),
      clear]),
    error || (c.props.hint && truthy(c.props.persistenthint)) ? el("div", { attrs: { class: "v-messages", role: error ? "alert" : "status" } },
      [error || str(c.props.hint)]) : null]);
}

function textField(kind) {
  return (c) => {
    const value = c.props.modelvalue;
    const number = kind === "number" || (c.model && c.model.modifiers.includes("number"));
    const attrs = {};
    if (kind !== "textarea") attrs.type = kind === "number" ? "number" : str(c.props.type || "text");
    for (const key of ["placeholder", "name", "autocomplete", "maxlength", "min", "max", "step", "rows", "inputmode"]) {
      if (c.props[key] !== undefined && c.props[key] !== true) attrs[key] = str(c.props[key]);
    }
    if (truthy(c.props.readonly)) attrs.readonly = "";
    if (truthy(c.props.disabled)) attrs.disabled = "";
    if (truthy(c.props.autofocus)) attrs.autofocus = "";
    const control = el(kind === "textarea" ? "textarea" : "input", { attrs, props: { value: str(value) }, on: forward(c, {
      input: (e) => {
        const raw = e.target.value;
        c.emit("update:modelValue", number && raw !== "" && !Number.isNaN(Number(raw)) ? Number(raw) : raw);
      },
    }) });
    return field(c, control, value, kind === "textarea" ? "v-textarea" : "v-text-field");
  };
}

function selection(kind) {
  return (c) => {
    const on = c.props.truevalue !== undefined ? c.props.truevalue : c.props.value !== undefined && c.props.value !== true
      && Array.isArray(c.props.modelvalue) ? c.props.value : true;
    const off = c.props.falsevalue !== undefined ? c.props.falsevalue : false;
    const current = c.props.modelvalue;
    const checked = Array.isArray(current) ? current.some((x) => same(x, on)) : same(current, on) || (on === true && current === true);
    const input = el("input", { attrs: { type: "checkbox", ...(kind === "switch" ? { role: "switch" } : {}),
      ...(truthy(c.props.disabled) || truthy(c.props.readonly) ? { disabled: "" } : {}) }, props: { checked },
    on: forward(c, { change: (e) => {
      if (Array.isArray(current)) c.emit("update:modelValue", e.target.checked ? [...current, on] : current.filter((x) => !same(x, on)));
      else c.emit("update:modelValue", e.target.checked ? on : off);
    } }) });
    return root(c, "div", `v-input v-${kind}`, {}, [el("label", { attrs: { class: "v-selection-control" } }, [
      input, kind === "switch" ? el("span", { attrs: { class: "v-switch__track" } }) : null,
      c.props.label !== undefined ? el("span", { attrs: { class: "v-label" } }, [str(c.props.label)]) : null, ...c.children])]);
  };
}

function slider(c) {
  const min = Number(c.props.min ?? 0);
  const max = Number(c.props.max ?? 100);
  const value = Number(c.props.modelvalue ?? min);
  const control = el("input", { attrs: { type: "range", min: String(min), max: String(max), step: str(c.props.step ?? 1),
    ...(truthy(c.props.disabled) ? { disabled: "" } : {}) }, props: { value: String(value) }, on: forward(c, {
    input: (e) => c.emit("update:modelValue", Number(e.target.value)),
    change: (e) => c.emit("end", Number(e.target.value)),
  }) });
  return root(c, "div", "v-input v-slider", {}, [
    c.props.label !== undefined ? el("label", { attrs: { class: "v-label" } }, [str(c.props.label)]) : null, control,
    c.props.thumblabel !== undefined && c.props.thumblabel !== false ? el("span", { attrs: { class: "v-slider__value" } }, [String(value)]) : null]);
}

function items(c) {
  const title = str(c.props.itemtitle || "title");
  const key = str(c.props.itemvalue || "value");
  return (Array.isArray(c.props.items) ? c.props.items : []).map((item) => {
    if (item === null || typeof item !== "object") return { title: str(item), value: item };
    const label = item[title] ?? item.text ?? item.name ?? item.label;
    return { title: str(label ?? JSON.stringify(item)), value: truthy(c.props.returnobject) ? item : item[key] ?? item };
  });
}

function select(c) {
  const options = items(c);
  const multiple = truthy(c.props.multiple);
  const current = c.props.modelvalue;
  const isChosen = (o) => (multiple ? Array.isArray(current) && current.some((x) => same(x, o.value)) : same(current, o.value));
  const index = options.findIndex(isChosen);
  const list = options.map((o, i) => el("option", { attrs: { value: String(i) }, props: multiple ? { selected: isChosen(o) } : {} }, [o.title]));
  if (!multiple && index < 0) list.unshift(el("option", { attrs: { value: "", disabled: "", hidden: "" } }, [str(c.props.placeholder ?? "")]));
  const control = el("select", { attrs: { ...(multiple ? { multiple: "" } : {}), ...(truthy(c.props.disabled) ? { disabled: "" } : {}) },
    props: multiple ? {} : { value: index < 0 ? "" : String(index) }, on: forward(c, { change: (e) => {
      const chosen = [...e.target.selectedOptions].map((o) => options[Number(o.value)]).filter(Boolean).map((o) => o.value);
      c.emit("update:modelValue", multiple ? chosen : chosen[0]);
    } }) }, list);
  return field(c, control, current, "v-select");
}

function radioGroup(c) {
  const current = c.props.modelvalue;
  const visit = (v) => {
    if (v.meta && "radio" in v.meta) {
      const input = v.children[0];
      input.props = { checked: same(current, v.meta.radio) };
      input.on = { ...input.on, change: (e) => { if (e.target.checked) c.emit("update:modelValue", v.meta.radio); } };
    } else if (Array.isArray(v.children)) v.children.forEach(visit);
  };
  c.children.forEach(visit);
  return root(c, "div", `v-input v-radio-group${truthy(c.props.inline) ? " v-radio-group--inline" : ""}`, { attrs: { role: "radiogroup" } }, [
    c.props.label !== undefined ? el("div", { attrs: { class: "v-label" } }, [str(c.props.label)]) : null, ...c.children]);
}

function radio(c) {
  return root(c, "label", "v-radio v-selection-control", { meta: { radio: c.props.value } }, [
    el("input", { attrs: { type: "radio", ...(truthy(c.props.disabled) ? { disabled: "" } : {}) }, on: forward(c) }),
    el("span", { attrs: { class: "v-label" } }, c.children.length ? c.children : [str(c.props.label ?? "")])]);
}

function tabs(c) {
  choose(c, "button", (v, value, chosen) => {
    v.attrs = { ...v.attrs, role: "tab", "aria-selected": String(chosen), class: `${v.attrs.class || ""}${chosen ? " v-tab--selected" : ""}` };
    const click = v.on.click;
    v.on = { ...v.on, click: (e) => { c.emit("update:modelValue", value); if (click) click(e); } };
  });
  return root(c, "div", "v-tabs", { attrs: { role: "tablist" } }, c.children);
}

function windowOf(c) {
  choose(c, "div", (v, value, chosen) => { v.attrs = { ...v.attrs, ...(chosen ? {} : { hidden: "" }) }; });
  return root(c, "div", "v-window", {}, c.children);
}

/** v-file-input: the model is the chosen File (File[] when multiple), as Vuetify 3 gives it, so the
 * template's code reads its name, size, type and content (file.text(), FileReader) and sends what
 * it likes. The names are shown as text; clearing the model empties the input. */
function fileInput(c) {
  const multiple = truthy(c.props.multiple);
  const chosen = [c.props.modelvalue].flat().filter((f) => f && typeof f === "object");
  const attrs = { type: "file", ...(multiple ? { multiple: "" } : {}), ...(truthy(c.props.disabled) ? { disabled: "" } : {}) };
  if (typeof c.props.accept === "string") attrs.accept = c.props.accept;
  const size = (n) => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} kB` : `${(n / 1048576).toFixed(1)} MB`);
  const control = el("input", { attrs, props: chosen.length ? {} : { value: "" }, on: forward(c, { change: (e) => {
    const files = [...e.target.files];
    c.emit("update:modelValue", multiple ? files : files[0] ?? null);
  } }) });
  const names = chosen.map((f) => `${str(f.name)}${truthy(c.props.showsize) ? ` (${size(Number(f.size) || 0)})` : ""}`);
  const summary = truthy(c.props.counter) && chosen.length ? [...names, `${chosen.length} file${chosen.length === 1 ? "" : "s"}`] : names;
  const box = field(c, control, chosen.length ? chosen : null, "v-file-input");
  box.children.push(el("div", { attrs: { class: "v-file-input__selection", "aria-live": "polite" } }, [summary.join(", ")]));
  return box;
}

function picker(type) {
  return (c) => {
    const control = el("input", { attrs: { type }, props: { value: str(c.props.modelvalue ?? "") },
      on: forward(c, { input: (e) => c.emit("update:modelValue", e.target.value) }) });
    return field(c, control, c.props.modelvalue, `v-${type}-picker`);
  };
}

const INPUTS = {
  "v-btn": btn, "v-btn-toggle": btnToggle, "v-btn-group": (c) => root(c, "div", "v-btn-group", {}, c.children),
  "v-text-field": textField("text"), "v-textarea": textField("textarea"), "v-number-input": textField("number"),
  "v-switch": selection("switch"), "v-checkbox": selection("checkbox"), "v-checkbox-btn": selection("checkbox"),
  "v-slider": slider, "v-select": select, "v-autocomplete": select, "v-combobox": select,
  "v-radio-group": radioGroup, "v-radio": radio,
  "v-tabs": tabs, "v-tab": (c) => {
    const tab = btn({ ...c, props: { ...c.props, value: c.props.value ?? true } });
    tab.attrs.class = `v-tab ${tab.attrs.class}`;
    return tab;
  },
  "v-window": windowOf, "v-tabs-window": windowOf, "v-tabs-items": windowOf,
  "v-window-item": (c) => root(c, "div", "v-window-item", { meta: { value: c.props.value } }, c.children),
  "v-form": (c) => root(c, "form", "v-form", { on: forward(c, { submit: (e) => { e.preventDefault(); } }) }, c.children),
  "v-file-input": fileInput, "v-color-picker": picker("color"), "v-date-picker": picker("date"), "v-time-picker": picker("time"),
};
INPUTS["v-tabs-window-item"] = INPUTS["v-window-item"];
INPUTS["v-tab-item"] = INPUTS["v-window-item"];

/** The function drawing a Vuetify component (undefined: not one we know; it is drawn as an element). */
export function component(tag) {
  return INPUTS[tag] ?? OVERLAYS[tag] ?? DISPLAY[tag];
}
