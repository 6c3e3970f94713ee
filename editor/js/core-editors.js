// Small dedicated editors for core nodes where the generic schema form is not enough.

import { h } from "./dom.js";
import { typedInput } from "./typed-input.js";

/** Top-level properties a dedicated editor writes for type `type` (hidden from the generic form). */
export function hiddenFor(type, schema) {
  const props = (schema && schema.properties) || {};
  if (type === "inject" && props.props) return new Set(["payload", "payloadType", "topic"]);
  if (type === "switch" && props.rules) return new Set(["outputs"]);
  if (type === "change" && props.rules) return new Set(["action", "property", "from", "to", "reg"]);
  return new Set();
}

/** A dedicated control for (type, key), or null to use the generic one. */
export function coreControl(type, key, node, def) {
  if (type === "inject" && key === "props") return injectProps(node);
  if (def && def.module === "openai" && key === "messages") {
    const list = node.messages;
    const simple = list === undefined || (Array.isArray(list) && list.every((m) => m && typeof m.content === "string"));
    if (simple) return chatMessages(list);
  }
  return null;
}

const ROLES = ["system", "developer", "user", "assistant", "tool"];

/** Chat messages as rows of role + content (names messages.<n>.role / messages.<n>.content). */
function chatMessages(value) {
  const list = h("ol", { class: "form-array chat-messages" });
  const rows = [];
  const addRow = (m) => {
    const index = rows.length;
    const role = h("select", { name: `messages.${index}.role`, "aria-label": `message ${index + 1} role` },
      ROLES.map((r) => h("option", { value: r, text: r })));
    role.value = ROLES.includes(m.role) ? m.role : "user";
    const content = h("textarea", { name: `messages.${index}.content`, rows: 2, "aria-label": `message ${index + 1} content` });
    content.value = m.content || "";
    const li = h("li", { class: "form-array-item" }, [role, content]);
    const entry = { role, content, extra: m };
    li.append(h("button", {
      type: "button", class: "small", text: "remove", "aria-label": `remove message ${index + 1}`,
      onclick: () => {
        rows.splice(rows.indexOf(entry), 1);
        li.remove();
      },
    }));
    rows.push(entry);
    list.append(li);
  };
  (value || []).forEach(addRow);
  const add = h("button", { type: "button", class: "small", "data-action": "add-item", "data-for": "messages", text: "add message", onclick: () => addRow({ role: rows.length ? "user" : "system", content: "" }) });
  return {
    el: h("div", { class: "form-array-box" }, [list, add]),
    get() {
      if (!rows.length && value === undefined) return undefined;
      return rows.map(({ role, content, extra }) => ({ ...extra, role: role.value, content: content.value }));
    },
  };
}

// Which rule fields matter for each rule kind (the others are hidden, not removed).
const RULE_FIELDS = {
  change: {
    keys: ["p", "to", "from", "dc"],
    shown: (t) => ({ set: ["p", "to", "dc"], change: ["p", "from", "to"], delete: ["p"], move: ["p", "to"] })[t] || ["p", "to", "from", "dc"],
  },
  switch: {
    keys: ["v", "v2", "case"],
    shown: (t) => {
      if (["true", "false", "null", "nnull", "empty", "nempty", "else"].includes(t)) return [];
      if (t === "btwn" || t === "index") return ["v", "v2"];
      if (t === "regex") return ["v", "case"];
      return ["v"];
    },
  },
};

/** Show only the rule fields that apply to each rule's kind (change and switch rules). */
export function decorate(type, root) {
  const spec = RULE_FIELDS[type];
  if (!spec) return;
  const update = () => {
    for (const sel of root.querySelectorAll('select[name^="rules."][name$=".t"]')) {
      const base = sel.name.slice(0, -2);
      const shown = spec.shown(sel.value);
      for (const key of spec.keys) {
        const row = root.querySelector(`[data-field="${CSS.escape(`${base}.${key}`)}"]`);
        if (row) row.hidden = !shown.includes(key);
      }
    }
  };
  root.addEventListener("change", update);
  new MutationObserver(update).observe(root, { childList: true, subtree: true });
  update();
}

/** Fix-ups after editing: derived properties Node-RED keeps in step. */
export function adjust(type, props) {
  if (type === "switch" && Array.isArray(props.rules)) props.outputs = Math.max(1, props.rules.length);
  return props;
}

/**
 * Inject's message properties. The payload row is named "payload"/"payloadType" and the topic row
 * "topic", as Node-RED stores them at the top level too; other rows are props.<n>.p/v/vt.
 */
function injectProps(node) {
  const list = h("ol", { class: "form-array inject-props" });
  const rows = [];
  const source = Array.isArray(node.props) && node.props.length ? node.props : [{ p: "payload" }, { p: "topic", vt: "str" }];
  const addRow = (prop) => {
    const p = prop.p || "";
    const index = rows.length;
    let value = prop.v;
    let type = prop.vt;
    if (p === "payload") {
      value = prop.v ?? node.payload;
      type = prop.vt ?? node.payloadType ?? "date";
    } else if (p === "topic") {
      value = prop.v ?? node.topic;
      type = prop.vt ?? "str";
    }
    const special = p === "payload" || p === "topic";
    const nameEl = h("input", {
      type: "text", name: `props.${index}.p`, value: p, class: "inject-prop-name", "aria-label": "property",
      readonly: special ? "readonly" : null,
    });
    const ti = typedInput({
      name: p === "payload" ? "payload" : p === "topic" ? "topic" : `props.${index}.v`,
      typeName: p === "payload" ? "payloadType" : p === "topic" ? "topicType" : `props.${index}.vt`,
      value, type,
    });
    const li = h("li", { class: "form-array-item" }, [h("span", { text: "msg." }), nameEl, h("span", { text: " = " }), ti.el]);
    const entry = { nameEl, ti, li };
    li.append(h("button", {
      type: "button", class: "small", text: "remove", "aria-label": `remove property ${p}`,
      onclick: () => {
        rows.splice(rows.indexOf(entry), 1);
        li.remove();
      },
    }));
    rows.push(entry);
    list.append(li);
  };
  source.forEach(addRow);
  const add = h("button", { type: "button", class: "small", "data-action": "add-item", "data-for": "props", text: "add property", onclick: () => addRow({ p: "", vt: "str" }) });
  return {
    el: h("div", { class: "form-array-box" }, [list, add]),
    get() {
      const props = [];
      const pair = {};
      for (const { nameEl, ti } of rows) {
        const p = nameEl.value.trim();
        if (!p) continue;
        const { value, type } = ti.get();
        props.push({ p, v: value, vt: type });
        if (p === "payload") {
          pair.payload = value;
          pair.payloadType = type;
        } else if (p === "topic") pair.topic = value;
      }
      return { __pair: { props, ...pair } };
    },
    problems() {
      return rows.flatMap(({ nameEl, ti }) => {
        const msg = ti.check();
        return msg ? [{ property: `props.${nameEl.value}`, message: msg }] : [];
      });
    },
  };
}
