// Help text as formatted HTML: the small Markdown the node types' help is written in (paragraphs,
// `code`, *emphasis*, **strong**, "- " lists, "1. " lists, "### " headings, ``` code blocks, and
// [links](https://...)), and a node type's properties as a definition list, as Node-RED's help
// sidebar shows them. Built from DOM nodes with text content only: nothing is parsed as HTML, so
// a subflow's description written by a user can never inject markup (DESIGN §7).

import { h } from "./dom.js";

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*\s][^*]*\*)|(\[[^\]]+\]\((https?:\/\/[^)\s]+)\))/g;

/** Inline markup of one line or paragraph: a list of text and element nodes. */
export function inline(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const [all] = m;
    if (m[1]) out.push(h("code", { text: all.slice(1, -1) }));
    else if (m[2]) out.push(h("strong", { text: all.slice(2, -2) }));
    else if (m[3]) out.push(h("em", { text: all.slice(1, -1) }));
    else out.push(h("a", { href: m[5], target: "_blank", rel: "noopener", text: all.slice(1, all.indexOf("](")) }));
    last = m.index + all.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const BULLET = /^\s*[-*] +/;
const NUMBERED = /^\s*\d+[.)] +/;

/** Blocks of `text`: paragraphs, headings, lists and code blocks, in order. */
export function renderHelp(text) {
  const root = h("div", { class: "help-body help-formatted" });
  const lines = String(text || "").replace(/\r\n?/g, "\n").split("\n");
  let para = [];
  let list = null;
  const flush = () => {
    if (para.length) root.append(h("p", {}, inline(para.join(" "))));
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^```/.test(line)) {
      flush();
      list = null;
      const code = [];
      for (i++; i < lines.length && !/^```/.test(lines[i]); i++) code.push(lines[i]);
      root.append(h("pre", {}, [h("code", { text: code.join("\n") })]));
      continue;
    }
    const heading = /^(#{1,4}) +(.*)$/.exec(line);
    const bullet = BULLET.test(line);
    const numbered = !bullet && NUMBERED.test(line);
    if (heading) {
      flush();
      list = null;
      root.append(h(`h${Math.min(6, heading[1].length + 3)}`, {}, inline(heading[2])));
    } else if (bullet || numbered) {
      flush();
      const tag = bullet ? "ul" : "ol";
      if (!list || list.tagName.toLowerCase() !== tag) {
        list = h(tag);
        root.append(list);
      }
      list.append(h("li", {}, inline(line.replace(bullet ? BULLET : NUMBERED, ""))));
    } else if (!line.trim()) {
      flush();
      list = null;
    } else if (list && /^\s+/.test(line)) {
      list.lastElementChild.append(" ", ...inline(line.trim())); // a list item's continuation line
    } else {
      list = null;
      para.push(line.trim());
    }
  }
  flush();
  return root;
}

function typeText(schema) {
  const t = [].concat(schema.type || []).filter((x) => x !== "null");
  if (Array.isArray(schema.enum)) return schema.enum.slice(0, 8).map((v) => JSON.stringify(v)).join(" | ") + (schema.enum.length > 8 ? " | …" : "");
  return t.join(" | ");
}

/** A node type's properties (title, type, description, default) as a definition list. */
export function propertyList(schema, skip = new Set(["name"])) {
  const props = Object.entries((schema && schema.properties) || {}).filter(([k]) => !skip.has(k));
  if (!props.length) return null;
  const required = new Set((schema && schema.required) || []);
  const dl = h("dl", { class: "help-properties" });
  for (const [key, p] of props) {
    const s = p || {};
    const kind = typeText(s);
    dl.append(h("dt", { "data-help-property": key }, [
      h("code", { text: key }),
      s.title && s.title !== key ? ` ${s.title}` : null,
      kind ? h("span", { class: "help-type", text: ` ${kind}` }) : null,
      required.has(key) ? h("span", { class: "req", text: " required" }) : null,
    ]));
    const parts = s.description ? inline(String(s.description)) : [];
    if (s.default !== undefined && s.default !== "" && typeof s.default !== "object") parts.push(` Default: `, h("code", { text: String(s.default) }), ".");
    if (parts.length) dl.append(h("dd", {}, parts));
  }
  return dl;
}
