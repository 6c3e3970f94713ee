// Node-RED-like forms for the switch and change nodes: ordered rule lists with typed inputs.

import { h } from "./dom.js";
import { listEditor, registerForm } from "./form-kit.js";

// The value types Node-RED's switch and change forms offer, per operator and action.
const SWITCH_VALUE = ["msg", "flow", "global", "str", "num", "jsonata", "env", "prev"];
const SWITCH_COUNT = ["flow", "global", "num", "jsonata", "env"];
const SET_TO = ["msg", "flow", "global", "str", "num", "bool", "json", "bin", "date", "jsonata", "env"];
const CHANGE_FROM = ["msg", "flow", "global", "str", "re", "num", "bool", "env"];
const CHANGE_TO = ["msg", "flow", "global", "str", "num", "bool", "json", "bin", "env"];
const PROPERTY = ["msg", "flow", "global"];

/** [types, default type] of a switch rule's first value for operator `t`. */
function switchTypes(t) {
  if (t === "head" || t === "tail") return [SWITCH_COUNT, "num"];
  if (t === "jsonata_exp") return [["jsonata"], "jsonata"];
  if (t === "btwn" || t === "index") return [SWITCH_VALUE, "num"];
  return [SWITCH_VALUE, "str"];
}

/** [types, default type] of a change rule's `to` for action `t`. */
function changeToTypes(t) {
  if (t === "move") return [PROPERTY, "msg"];
  if (t === "change") return [CHANGE_TO, "str"];
  return [SET_TO, "str"];
}
const SWITCH_OPS = [
  ["eq", "=="], ["neq", "!="], ["lt", "<"], ["lte", "<="], ["gt", ">"], ["gte", ">="], ["hask", "has key"],
  ["btwn", "is between"], ["cont", "contains"], ["regex", "matches regex"], ["true", "is true"], ["false", "is false"],
  ["null", "is null"], ["nnull", "is not null"], ["istype", "is of type"], ["empty", "is empty"], ["nempty", "is not empty"],
  ["head", "head"], ["index", "index between"], ["tail", "tail"], ["jsonata_exp", "JSONata exp"], ["else", "otherwise"],
];
const ISTYPE = ["string", "number", "boolean", "array", "buffer", "object", "json", "undefined", "null"];

/** Which value fields a switch operator takes. */
function switchShown(t) {
  if (["true", "false", "null", "nnull", "empty", "nempty", "else"].includes(t)) return [];
  if (t === "btwn" || t === "index") return ["v", "v2"];
  if (t === "regex") return ["v", "case"];
  return ["v"];
}

/** Rename `<list>.<old>.` field names of a row after a reorder. */
function renumber(el, list, i) {
  for (const input of el.querySelectorAll(`[name^="${list}."]`)) input.name = input.name.replace(/^(\w+)\.\d+\./, `$1.${i}.`);
}

/** Write `list` into out[key] only when some rule changed (keeps the stored array otherwise). */
function listWriter(kit, key, list, after = () => {}) {
  const initial = JSON.stringify(list.get());
  kit.writer((out) => {
    const now = list.get();
    if (JSON.stringify(now) === initial) return;
    out[key] = now;
    after(out, now);
  });
}

registerForm("switch", (kit) => {
  const node = kit.value;
  let list;
  const ports = () => list && list.rows.forEach((r, i) => r.port && (r.port.textContent = `→ ${i + 1}`));
  const makeRow = (rule, index) => {
    const sub = kit.sub(rule);
    const op = sub.choose("t", SWITCH_OPS, { name: `rules.${index}.t`, label: "operator" });
    const [vTypes, vDefault] = switchTypes(rule.t);
    const v = sub.typedPair("v", "vt", { types: vTypes, defaultType: vDefault, name: `rules.${index}.v`, typeName: `rules.${index}.vt` });
    // "is of type" picks a type name, stored in both v and vt as Node-RED does.
    const isSel = h("select", { name: `rules.${index}.type`, "aria-label": "type" }, ISTYPE.map((t) => h("option", { value: t, text: t })));
    isSel.value = rule.t === "istype" && ISTYPE.includes(rule.v) ? rule.v : "string";
    const isStart = isSel.value;
    sub.writer((out) => {
      if (op.chosen() === "istype" && (isSel.value !== isStart || rule.t !== "istype")) out.v = out.vt = isSel.value;
    });
    const v2 = sub.typedPair("v2", "v2t", { types: SWITCH_VALUE, defaultType: "num", name: `rules.${index}.v2`, typeName: `rules.${index}.v2t` });
    const caseBox = sub.box("case", { name: `rules.${index}.case`, label: "ignore case" });
    const parts = {
      v: h("span", { class: "kit-field", "data-field": `rules.${index}.v` }, [v.el, isSel]),
      v2: h("span", { class: "kit-field", "data-field": `rules.${index}.v2` }, [" and ", v2.el]),
      case: h("label", { class: "kit-field", "data-field": `rules.${index}.case` }, [caseBox, " ignore case"]),
    };
    const show = () => {
      const shown = switchShown(op.chosen());
      for (const [k, el] of Object.entries(parts)) el.hidden = !shown.includes(k);
      v.el.hidden = op.chosen() === "istype";
      isSel.hidden = op.chosen() !== "istype";
    };
    op.addEventListener("change", () => {
      v.setTypes(...switchTypes(op.chosen()));
      show();
    });
    show();
    const port = h("span", { class: "kit-port", title: "output port", text: `→ ${index + 1}` });
    return {
      el: h("span", { class: "kit-inline kit-rule" }, [op, parts.v, parts.v2, parts.case, port]),
      port,
      get: () => sub.collect(),
      detach: () => {
        sub.detached = true;
      },
      setIndex(i) {
        renumber(this.el, "rules", i);
        port.textContent = `→ ${i + 1}`;
      },
    };
  };
  list = listEditor({
    items: Array.isArray(node.rules) ? node.rules : [], makeRow, addLabel: "add rule", name: "rules",
    newItem: () => ({ t: "eq", v: "", vt: "str" }), onChange: ports,
  });
  listWriter(kit, "rules", list, (out, now) => {
    out.outputs = Math.max(1, now.length);
  });
  return [
    kit.text("name", "Name"),
    kit.typed("property", "propertyType", "Property", { types: ["msg", "flow", "global", "jsonata", "env"], defaultType: "msg" }),
    kit.row("Rules", list.el, { key: "rules" }),
    kit.select("checkall", "Check", [["true", "checking all rules"], ["false", "stopping after first match"], [true, "checking all rules"], [false, "stopping after first match"]], { fallback: "true" }),
    kit.check("repair", "recreate message sequences"),
  ];
});

const CHANGE_OPS = [["set", "Set"], ["change", "Change"], ["delete", "Delete"], ["move", "Move"]];
const CHANGE_SHOWN = { set: ["to", "dc"], change: ["from", "to"], delete: [], move: ["to"] };

registerForm("change", (kit) => {
  const node = kit.value;
  const makeRow = (rule, index) => {
    const sub = kit.sub(rule);
    const n = (k) => `rules.${index}.${k}`;
    const op = sub.choose("t", CHANGE_OPS, { name: n("t"), label: "action" });
    const p = sub.typedPair("p", "pt", { types: PROPERTY, defaultType: "msg", name: n("p"), typeName: n("pt") });
    const from = sub.typedPair("from", "fromt", { types: CHANGE_FROM, defaultType: "str", name: n("from"), typeName: n("fromt") });
    const [toTypes, toDefault] = changeToTypes(rule.t);
    const to = sub.typedPair("to", "tot", { types: toTypes, defaultType: toDefault, name: n("to"), typeName: n("tot") });
    const dc = sub.box("dc", { name: n("dc"), label: "deep copy value" });
    const toLabel = h("span", { class: "kit-word" });
    const parts = {
      from: h("div", { class: "kit-field", "data-field": n("from") }, [h("span", { class: "kit-word", text: "search for" }), from.el]),
      to: h("div", { class: "kit-field", "data-field": n("to") }, [toLabel, to.el]),
      dc: h("label", { class: "kit-field", "data-field": n("dc") }, [dc, " deep copy value"]),
    };
    const show = () => {
      const t = op.chosen();
      const shown = CHANGE_SHOWN[t] || ["from", "to", "dc"];
      for (const [k, el] of Object.entries(parts)) el.hidden = !shown.includes(k);
      // deep copy matters only when the value is copied from somewhere (Node-RED)
      if (t === "set") parts.dc.hidden = !["msg", "flow", "global", "env"].includes(to.get().type);
      toLabel.textContent = t === "move" ? "to" : t === "change" ? "replace with" : "to the value";
    };
    op.addEventListener("change", () => {
      to.setTypes(...changeToTypes(op.chosen()));
      show();
    });
    to.inputs[1].addEventListener("change", show);
    show();
    return {
      el: h("div", { class: "kit-stack kit-rule" }, [h("div", { class: "kit-inline" }, [op, p.el]), parts.from, parts.to, parts.dc]),
      get: () => sub.collect(),
      detach: () => {
        sub.detached = true;
      },
      setIndex(i) {
        renumber(this.el, "rules", i);
      },
    };
  };
  const rules = Array.isArray(node.rules) ? node.rules : [];
  const list = listEditor({ items: rules, makeRow, addLabel: "add rule", name: "rules", newItem: () => ({ t: "set", p: "payload", pt: "msg", to: "", tot: "str" }) });
  listWriter(kit, "rules", list);
  return [kit.text("name", "Name"), kit.row("Rules", list.el, { key: "rules" })];
});
