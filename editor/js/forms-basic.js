// Node-RED-like forms for inject, debug, function and template.

import { h } from "./dom.js";
import { listEditor, registerForm, show } from "./form-kit.js";

const INJECT_TYPES = ["flow", "global", "str", "num", "bool", "json", "bin", "date", "jsonata", "env", "msg"];
const DAYS = [["1", "Monday"], ["2", "Tuesday"], ["3", "Wednesday"], ["4", "Thursday"], ["5", "Friday"], ["6", "Saturday"], ["0", "Sunday"]];

/** The repeat settings of an inject node: {kind, interval, unit, every, from, to, at, days}. */
export function parseRepeat(repeat, crontab) {
  const cron = String(crontab || "").trim();
  const parts = cron.split(/\s+/);
  if (cron && parts.length === 5) {
    const days = parts[4] === "*" ? DAYS.map((d) => d[0]) : parts[4].split(",");
    if (!Number.isNaN(Number(parts[0])) && !Number.isNaN(Number(parts[1]))) {
      return { kind: "time", at: `${parts[1].padStart(2, "0")}:${parts[0].padStart(2, "0")}`, days };
    }
    // "*/N a-b * * d" (also "a-23,0-b" across midnight): the end hour is exclusive, as Node-RED shows it.
    const ranges = parts[1].split(",");
    const first = ranges[0].split("-");
    const last = ranges[ranges.length - 1].split("-");
    const to = Number(last[last.length - 1]) + 1;
    return { kind: "interval-time", every: Number(parts[0].slice(2) || 0), from: Number(first[0] || 0), to: parts[1] === "" ? 0 : to, days };
  }
  const secs = Number(repeat);
  if (repeat !== "" && repeat !== undefined && repeat !== null && secs > 0) {
    if (secs % 3600 === 0) return { kind: "interval", interval: secs / 3600, unit: "h" };
    if (secs % 60 === 0) return { kind: "interval", interval: secs / 60, unit: "m" };
    return { kind: "interval", interval: secs, unit: "s" };
  }
  return { kind: "none" };
}

/** {repeat, crontab} as Node-RED's inject form writes them for repeat settings `r`. */
export function encodeRepeat(r) {
  const order = DAYS.map((d) => d[0]).filter((d) => (r.days || []).includes(d));
  const days = order.length === 7 ? "*" : order.join(",");
  if (r.kind === "interval") return { repeat: String(Number(r.interval) * { s: 1, m: 60, h: 3600 }[r.unit]), crontab: "" };
  if (r.kind === "interval-time") {
    if (!order.length) return { repeat: "", crontab: "" };
    const start = Number(r.from);
    const end = Number(r.to);
    let range;
    if (end === 0) range = `${start}-23`;
    else if (start + 1 < end) range = `${start}-${end - 1}`;
    else if (start + 1 === end) range = String(start);
    else range = `${start === 23 ? "23" : `${start}-23`},${end === 1 ? "0" : `0-${end - 1}`}`;
    return { repeat: "", crontab: `${String(r.every) === "0" ? "0" : `*/${r.every}`} ${range} * * ${days}` };
  }
  if (r.kind === "time") {
    if (!order.length) return { repeat: "", crontab: "" };
    const [hh, mm] = String(r.at || "00:00").split(":");
    const pad = (v, m) => String(Number(v) % m).padStart(2, "0");
    return { repeat: "", crontab: `${pad(mm, 60)} ${pad(hh, 24)} * * ${days}` };
  }
  return { repeat: "", crontab: "" };
}

registerForm("inject", (kit) => {
  const node = kit.value;
  const source = Array.isArray(node.props) ? node.props : [{ p: "payload" }, { p: "topic", vt: "str" }];
  const rowOf = (prop, index) => {
    const p = prop.p || "";
    const obj = p === "payload" ? { v: prop.v ?? node.payload, vt: prop.vt ?? node.payloadType ?? "date" }
      : p === "topic" ? { v: prop.v ?? node.topic, vt: prop.vt ?? "str" } : { v: prop.v, vt: prop.vt ?? "str" };
    const sub = kit.sub(obj);
    const nameEl = h("input", { type: "text", class: "inject-prop-name", value: p, "aria-label": "property", name: `props.${index}.p` });
    const named = p === "payload" ? ["payload", "payloadType"] : p === "topic" ? ["topic", "topicType"] : [`props.${index}.v`, `props.${index}.vt`];
    const ti = sub.typedPair("v", "vt", { types: INJECT_TYPES, name: named[0], typeName: named[1] });
    return {
      el: h("span", { class: "kit-inline" }, [h("span", { text: "msg." }), nameEl, h("span", { text: " = " }), ti.el]),
      get: () => ({ p: nameEl.value.trim(), ...sub.collect() }),
    };
  };
  const list = listEditor({ items: source, makeRow: rowOf, addLabel: "add", name: "props", newItem: () => ({ p: "", vt: "str" }) });
  const initial = JSON.stringify(list.get());
  kit.writer((out) => {
    const now = list.get().filter((r) => r.p);
    if (JSON.stringify(list.get()) === initial) return;
    out.props = now.map((r) => {
      if (r.p === "payload") {
        out.payload = r.v;
        out.payloadType = r.vt;
        return { p: "payload" };
      }
      if (r.p === "topic") {
        out.topic = r.v;
        return { p: "topic", vt: "str" };
      }
      return { p: r.p, v: r.v, vt: r.vt };
    });
  });
  // Repeat: none / interval / interval between times / at a specific time.
  const r = parseRepeat(node.repeat, node.crontab);
  const kind = h("select", { name: "repeat-kind", "aria-label": "repeat" }, [
    ["none", "none"], ["interval", "interval"], ["interval-time", "interval between times"], ["time", "at a specific time"],
  ].map(([v, t]) => h("option", { value: v, text: t })));
  kind.value = r.kind;
  const interval = h("input", { type: "number", min: 1, name: "repeat-interval", class: "kit-number", value: r.interval ?? 1, "aria-label": "every" });
  const unit = h("select", { name: "repeat-unit", "aria-label": "unit" }, [["s", "seconds"], ["m", "minutes"], ["h", "hours"]].map(([v, t]) => h("option", { value: v, text: t })));
  unit.value = r.unit || "s";
  const every = h("input", { type: "number", min: 1, max: 59, name: "repeat-every", class: "kit-number", value: r.every ?? 1, "aria-label": "every minutes" });
  const hours = (name, value, label, first) => {
    const sel = h("select", { name, "aria-label": label }, Array.from({ length: 24 }, (_, i) => i + first).map((i) => h("option", { value: String(i), text: `${String(i % 24).padStart(2, "0")}:00` })));
    sel.value = String(value);
    return sel;
  };
  const from = hours("repeat-from", r.from ?? 0, "between", 0);
  const to = hours("repeat-to", r.to === 0 || r.to === undefined ? 24 : r.to, "and", 1);
  const at = h("input", { type: "time", name: "repeat-at", value: r.at || "12:00", "aria-label": "at" });
  const days = new Set(r.days || DAYS.map((d) => d[0]));
  const dayBoxes = DAYS.map(([v, t]) => {
    const box = h("input", { type: "checkbox", name: `repeat-day-${v}`, checked: days.has(v) });
    return h("label", { class: "kit-day" }, [box, ` ${t.slice(0, 3)}`]);
  });
  const read = () => ({
    kind: kind.value, interval: interval.value, unit: unit.value, every: every.value, from: from.value, to: to.value, at: at.value,
    days: DAYS.map((d, i) => (dayBoxes[i].firstChild.checked ? d[0] : null)).filter(Boolean),
  });
  const start = JSON.stringify(encodeRepeat(read()));
  kit.writer((out) => {
    const enc = encodeRepeat(read());
    if (JSON.stringify(enc) !== start) Object.assign(out, enc);
  });
  const onceBox = kit.box("once", { label: "inject once" });
  const onceDelay = kit.input("onceDelay", { type: "number", cls: "kit-number", label: "after seconds", as: "number" });
  const daysRow = kit.row("on", h("span", { class: "kit-days" }, dayBoxes));
  return [
    kit.text("name", "Name"),
    kit.row("Message", list.el, { key: "props" }),
    h("div", { class: "field kit-row" }, [h("span", { class: "field-label" }), h("label", { class: "kit-controls" }, [onceBox, " Inject once after ", onceDelay, " seconds, then"])]),
    kit.row("Repeat", kind),
    kit.when(kit.row("every", [interval, unit]), () => kind.value === "interval"),
    kit.when(kit.row("every", [every, " minutes between ", from, " and ", to]), () => kind.value === "interval-time"),
    kit.when(kit.row("at", at), () => kind.value === "time"),
    kit.when(daysRow, () => kind.value === "interval-time" || kind.value === "time"),
  ];
});

registerForm("debug", (kit) => {
  const node = kit.value;
  const obj = { v: node.targetType === "full" || node.complete === "true" || node.complete === true ? "" : node.complete, t: node.targetType || (node.complete === "true" || node.complete === true ? "full" : "msg") };
  const sub = kit.sub(obj);
  const ti = sub.typedPair("v", "t", { types: ["msg", "full", "jsonata"], name: "complete", typeName: "targetType" });
  kit.writer((out) => {
    const now = sub.collect();
    if (now.v === obj.v && now.t === obj.t) return;
    out.targetType = now.t;
    out.complete = now.t === "full" ? "true" : now.v;
  });
  const status = kit.typed("statusVal", "statusType", "", { types: ["auto", "msg", "jsonata"], defaultType: "auto" });
  const toStatus = kit.check("tostatus", "node status (32 characters)");
  return [
    kit.row("Output", ti.el, { key: "complete" }),
    kit.row("To", h("div", { class: "kit-stack" }, [
      kit.check("tosidebar", "debug window"), kit.check("console", "system console"), toStatus,
    ])),
    kit.when(status, () => toStatus.querySelector("input").checked),
    kit.text("name", "Name"),
  ];
});

registerForm("function", (kit) => {
  const node = kit.value;
  const langSel = kit.choose("language", [["javascript", "JavaScript"], ["python", "Python"]], { fallback: "javascript", label: "language" });
  const lang = () => langSel.chosen() || "javascript";
  const codes = [["initialize", "On Start"], ["func", "On Message"], ["finalize", "On Stop"]].map(([key, label]) => [label, kit.code(key, null, { lang, rows: key === "func" ? 16 : 10 })]);
  langSel.addEventListener("change", () => {
    for (const [, row] of codes) row.codeArea.setLang(lang());
    hint.textContent = hintText();
  });
  const hintText = () => (lang() === "python"
    ? "Python: msg, node, context, flow, global_, env; return msg (or a list per output)."
    : "JavaScript (Node-RED's): msg, node, context, flow, global, env; return msg (or an array per output).");
  const hint = h("p", { class: "kit-hint", text: hintText() });
  const libs = Array.isArray(node.libs) && node.libs.length ? node.libs.map((l) => `${l.var} = require("${l.module}")`).join(", ") : "";
  const setup = [
    kit.number("outputs", "Outputs", { min: 0 }),
    kit.number("timeout", "Timeout", { min: 0, suffix: "seconds (0: none)" }),
    libs ? kit.row("Modules", h("span", { text: libs })) : null,
  ].filter(Boolean);
  const tabs = kit.tabs([["Setup", setup], ...codes.map(([label, row]) => [label, row])]);
  tabs.querySelector('[data-form-tab="On Message"]').click();
  return [kit.text("name", "Name"), kit.row("Language", langSel, { forId: langSel.id, key: "language" }), hint, tabs];
});

const FORMATS = [["handlebars", "mustache"], ["html", "HTML"], ["json", "JSON"], ["javascript", "JavaScript"], ["css", "CSS"], ["markdown", "Markdown"], ["python", "Python"], ["sql", "SQL"], ["yaml", "YAML"], ["text", "plain text"]];

registerForm("template", (kit) => {
  const format = kit.choose("format", FORMATS, { fallback: "handlebars", label: "syntax highlight" });
  const lang = () => ({ handlebars: "mustache", html: "html", json: "json", javascript: "javascript", python: "python" })[format.chosen()] || "text";
  const code = kit.code("template", "Template", { lang, rows: 12 });
  format.addEventListener("change", () => code.codeArea.setLang(lang()));
  return [
    kit.text("name", "Name"),
    kit.typed("field", "fieldType", "Property", { types: ["msg", "flow", "global"], defaultType: "msg" }),
    kit.row("Syntax highlight", format, { forId: format.id }),
    code,
    kit.select("syntax", "Format", [["mustache", "Mustache template"], ["plain", "Plain text"]], { fallback: "mustache" }),
    kit.select("output", "Output as", [["str", "Plain text"], ["json", "Parsed JSON"], ["yaml", "Parsed YAML"]], { fallback: "str" }),
  ];
});

registerForm("comment", (kit) => [kit.text("name", "Title"), kit.code("info", "Body", { lang: "text", rows: 8 })]);

export { show };
