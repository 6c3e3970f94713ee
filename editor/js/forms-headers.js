// The header rows of the http request and http response forms, as Node-RED's forms have them:
// one row per header, its name and its value each a typed choice: a common header (or value)
// picked from a list, "other" with the text typed, or (request only) "msg." with a message
// property read per message. Stored as Node-RED stores them: the request as
// [{keyType, keyValue, valueType, valueValue}] (nodes/core/_request_headers.py reads it), the
// response as an object {name: value}.

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
const RESPONSE_NAMES = ["Content-Type", "Location", "Cache-Control", "Content-Disposition", "Access-Control-Allow-Origin"];
const TYPED = [["other", "other (text)"], ["msg", "msg."]];
const OTHER_ONLY = TYPED.slice(0, 1);

/** The value presets offered for a header name type (a preset name, or none for other/msg). */
function valuePresets(keyType) {
  return VALUES[String(keyType || "").toLowerCase()] || [];
}

/** One typed choice: a select of presets + other + msg, and a text input shown for other/msg. */
function typedChoice(presets, type, value, names, typed = TYPED) {
  const sel = h("select", { name: names.type, class: "typed-type", "aria-label": names.label });
  const input = h("input", { type: "text", name: names.value, class: "typed-value", "aria-label": `${names.label} text`, autocomplete: "off" });
  const fill = (list, keep) => {
    sel.replaceChildren(...list.map((p) => h("option", { value: p, text: p })), ...typed.map(([v, t]) => h("option", { value: v, text: t })));
    if (keep && !list.includes(keep) && !typed.some(([v]) => v === keep)) sel.append(h("option", { value: keep, text: keep }));
  };
  const sync = () => {
    input.hidden = !typed.some(([v]) => v === sel.value);
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
      sel.value = list.includes(was) || typed.some(([v]) => v === was) ? was : "other";
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

/** A stored response header as a row: a preset name or value when it is one (any case), else other + text. */
function asRow(name, value) {
  const preset = (list, text) => list.find((p) => p.toLowerCase() === String(text).toLowerCase());
  const keyType = preset(RESPONSE_NAMES, name);
  const valueType = preset(valuePresets(keyType), value);
  return { keyType: keyType || "other", keyValue: keyType ? "" : name, valueType: valueType || "other", valueValue: valueType ? "" : String(value ?? "") };
}

/** The http response node's header rows bound to `key`, an object {name: value}; written only
 * when it changed (an untouched row keeps its stored name and value as they were). */
export function headerObject(kit, key, label) {
  const orig = kit.value[key] && typeof kit.value[key] === "object" && !Array.isArray(kit.value[key]) ? kit.value[key] : {};
  const makeRow = ([storedName, storedValue], index) => {
    const row = asRow(storedName, storedValue);
    const names = (part) => ({ type: `${key}.${index}.${part}Type`, value: `${key}.${index}.${part}Value`, label: `header ${index + 1} ${part === "key" ? "name" : "value"}` });
    const name = typedChoice(RESPONSE_NAMES, row.keyType, row.keyValue, names("key"), OTHER_ONLY);
    const value = typedChoice(valuePresets(row.keyType), row.valueType, row.valueValue, names("value"), OTHER_ONLY);
    name.sel.addEventListener("change", () => value.setPresets(valuePresets(name.sel.value)));
    const read = () => [name.sel.value, name.input.value, value.sel.value, value.input.value];
    const first = read().join("\u0000");
    return {
      el: h("span", { class: "kit-inline header-row" }, [name.el, h("span", { class: "kit-word", text: ":" }), value.el]),
      get() {
        const now = read();
        if (now.join("\u0000") === first) return [storedName, storedValue];
        return [now[0] === "other" ? now[1].trim() : now[0], now[2] === "other" ? now[3] : now[2]];
      },
      setIndex(i) {
        for (const el of this.el.querySelectorAll(`[name^="${key}."]`)) el.name = el.name.replace(/^(\w+)\.\d+\./, `$1.${i}.`);
      },
    };
  };
  const list = listEditor({ items: Object.entries(orig), makeRow, addLabel: "add header", name: key, newItem: () => ["", ""] });
  const initial = JSON.stringify(orig);
  kit.writer((out) => {
    const now = Object.fromEntries(list.get().filter(([name]) => name !== ""));
    if (JSON.stringify(now) !== initial) out[key] = now;
  });
  return kit.row(label, list.el, { key });
}
