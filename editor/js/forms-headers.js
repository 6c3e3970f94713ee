// The http request node's header list, as Node-RED's form has it: one row per header, its name
// and its value each a typed choice: a common header (or value) picked from a list, "other" with
// the text typed, or "msg." with a message property read per message. Stored as Node-RED stores
// it: [{keyType, keyValue, valueType, valueValue}] (nodes/core/_request_headers.py reads it).

import { h } from "./dom.js";
import { listEditor } from "./form-list.js";

const NAMES = ["Accept", "Accept-Encoding", "Accept-Language", "Authorization", "Content-Type", "Cache-Control", "User-Agent", "Location"];
const MIME = ["application/json", "application/xml", "text/plain", "text/html"];
const VALUES = {
  accept: MIME,
  "accept-encoding": ["gzip", "deflate", "compress", "br", "gzip, deflate", "gzip, deflate, br"],
  "accept-language": ["*", "en-GB, en-US, en;q=0.9", "de-AT, de-DE;q=0.9, en;q=0.5", "fr-CH, fr;q=0.9, en;q=0.8", "ja-JP, jp"],
  "content-type": [...MIME, "text/css", "application/octet-stream", "application/pdf", "application/zip", "multipart/form-data",
    "audio/aac", "audio/mp4", "audio/ogg", "image/gif", "image/jpeg", "image/png", "image/tiff"],
  "cache-control": ["max-age=0", "max-age=86400", "no-cache"],
  "user-agent": ["Mozilla/5.0"],
};
const TYPED = [["other", "other (text)"], ["msg", "msg."]];

/** The value presets offered for a header name type (a preset name, or none for other/msg). */
function valuePresets(keyType) {
  return VALUES[String(keyType || "").toLowerCase()] || [];
}

/** One typed choice: a select of presets + other + msg, and a text input shown for other/msg. */
function typedChoice(presets, type, value, names) {
  const sel = h("select", { name: names.type, class: "typed-type", "aria-label": names.label });
  const input = h("input", { type: "text", name: names.value, class: "typed-value", "aria-label": `${names.label} text`, autocomplete: "off" });
  const fill = (list, keep) => {
    sel.replaceChildren(...list.map((p) => h("option", { value: p, text: p })), ...TYPED.map(([v, t]) => h("option", { value: v, text: t })));
    if (keep && !list.includes(keep) && !TYPED.some(([v]) => v === keep)) sel.append(h("option", { value: keep, text: keep }));
  };
  const sync = () => {
    input.hidden = !TYPED.some(([v]) => v === sel.value);
    input.placeholder = sel.value === "msg" ? "headers.x" : "";
  };
  fill(presets, type);
  sel.value = type || "other";
  input.value = value ?? "";
  sel.addEventListener("change", sync);
  sync();
  return {
    el: h("span", { class: "typed-input" }, [sel, input]), sel, input,
    setPresets(list) {
      const was = sel.value;
      fill(list, null);
      sel.value = list.includes(was) || TYPED.some(([v]) => v === was) ? was : "other";
      sync();
    },
  };
}

/** The header rows editor bound to `key` (written only when a row changed). */
export function headerList(kit, key, label) {
  const orig = Array.isArray(kit.value[key]) ? kit.value[key] : [];
  const makeRow = (row, index) => {
    const names = (part) => ({ type: `${key}.${index}.${part}Type`, value: `${key}.${index}.${part}Value`, label: `header ${index + 1} ${part === "key" ? "name" : "value"}` });
    const name = typedChoice(NAMES, row.keyType, row.keyValue, names("key"));
    const value = typedChoice(valuePresets(row.keyType), row.valueType, row.valueValue, names("value"));
    name.sel.addEventListener("change", () => value.setPresets(valuePresets(name.sel.value)));
    const first = [name.sel.value, name.input.value, value.sel.value, value.input.value].join("\u0000");
    return {
      el: h("span", { class: "kit-inline header-row" }, [name.el, h("span", { class: "kit-word", text: ":" }), value.el]),
      get() {
        const now = [name.sel.value, name.input.value, value.sel.value, value.input.value];
        if (now.join("\u0000") === first) return row; // untouched: the stored row as it was
        return { keyType: now[0], keyValue: now[1], valueType: now[2], valueValue: now[3] };
      },
      setIndex(i) {
        for (const el of this.el.querySelectorAll(`[name^="${key}."]`)) el.name = el.name.replace(/^(\w+)\.\d+\./, `$1.${i}.`);
      },
    };
  };
  const list = listEditor({
    items: orig, makeRow, addLabel: "add header", name: key,
    newItem: () => ({ keyType: "other", keyValue: "", valueType: "other", valueValue: "" }),
  });
  const initial = JSON.stringify(orig);
  kit.writer((out) => {
    const now = list.get();
    if (JSON.stringify(now) !== initial) out[key] = now;
  });
  return kit.row(label, list.el, { key });
}
