// Widgets only Dashboard 2 has: button group (one of several buttons), markdown (the flow author's
// text, message values inserted as text) and table (rows of msg.payload, a row click sent back).

import { asText, interpolate } from "../format.js";
import { h, labelOf } from "./basic.js";

export function buttonGroup(ctx) {
  const label = h("span", { class: "ui-label" });
  const row = h("div", { class: "ui-button-group", role: "group" });
  ctx.el.append(label, row);
  return {
    update(item) {
      label.textContent = labelOf(item);
      row.textContent = "";
      for (const option of Array.isArray(item.options) ? item.options : []) {
        const chosen = JSON.stringify(option.value) === JSON.stringify(item.value);
        const button = h("button", { type: "button", "aria-pressed": String(chosen), text: String(option.label ?? option.value) });
        if (chosen && option.color) button.style.background = option.color;
        button.addEventListener("click", () => {
          ctx.item.value = option.value;
          ctx.send(option.value);
          ctx.refresh();
        });
        row.append(button);
      }
    },
    value: (item) => item.value ?? null,
  };
}

const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

function inline(text) {
  // `text` is already escaped: only the markup added here becomes tags
  return text
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/\*([^*]+)\*/g, "<em>$1</em>")
    .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '<a href="$2" rel="noopener" target="_blank">$1</a>');
}

/** Markdown (headings, lists, code blocks, paragraphs, emphasis, links) as HTML; the source is escaped first. */
export function markdownHtml(source) {
  const out = [];
  let list = null;
  let code = null;
  const close = () => { if (list) { out.push(`</${list}>`); list = null; } };
  for (const raw of escapeHtml(source).split("\n")) {
    if (raw.trim().startsWith("```")) {
      if (code === null) { close(); code = []; } else { out.push(`<pre><code>${code.join("\n")}</code></pre>`); code = null; }
      continue;
    }
    if (code !== null) { code.push(raw); continue; }
    const heading = /^(#{1,6})\s+(.*)$/.exec(raw);
    const item = /^\s*(?:[-*]|(\d+)\.)\s+(.*)$/.exec(raw);
    if (heading) { close(); out.push(`<h${heading[1].length}>${inline(heading[2])}</h${heading[1].length}>`); }
    else if (item) {
      const kind = item[1] ? "ol" : "ul";
      if (list !== kind) { close(); out.push(`<${kind}>`); list = kind; }
      out.push(`<li>${inline(item[2])}</li>`);
    } else if (raw.trim()) { close(); out.push(`<p>${inline(raw)}</p>`); }
    else close();
  }
  close();
  if (code !== null) out.push(`<pre><code>${code.join("\n")}</code></pre>`);
  return out.join("");
}

export function markdown(ctx) {
  const body = h("div", { class: "ui-markdown" });
  ctx.el.append(body);
  return {
    update(item) {
      const text = String(item.content ?? "").replace(/\{\{([^}]*)\}\}/g, (m) => interpolate(m, { msg: item.msg }));
      body.innerHTML = markdownHtml(text);
    },
    value: (item) => (item.msg ? item.msg.payload ?? null : null),
  };
}

export function table(ctx) {
  const title = h("div", { class: "ui-table-title" });
  const grid = h("table", { class: "ui-table" });
  ctx.el.append(title, grid);
  return {
    update(item) {
      title.textContent = item.label || "";
      const rows = Array.isArray(item.value) ? item.value : [];
      const shown = Number(item.maxrows) > 0 ? rows.slice(0, Number(item.maxrows)) : rows;
      let columns = Array.isArray(item.columns) && item.columns.length ? item.columns : null;
      if (!columns) {
        const keys = [];
        for (const row of shown) if (row && typeof row === "object") for (const k of Object.keys(row)) if (!keys.includes(k)) keys.push(k);
        columns = keys.map((key) => ({ key, title: key }));
      }
      grid.textContent = "";
      const head = h("tr", {}, columns.map((c) => h("th", { text: c.title || c.label || c.key, style: c.align ? { textAlign: c.align } : undefined })));
      grid.append(h("thead", {}, [head]));
      const body = h("tbody");
      for (const row of shown) {
        const tr = h("tr", {}, columns.map((c) => h("td", { text: asText(row && typeof row === "object" ? row[c.key] : row) })));
        if (item.selection === "click") {
          tr.tabIndex = 0;
          tr.addEventListener("click", () => ctx.send(row));
        }
        body.append(tr);
      }
      grid.append(body);
    },
    value: (item) => (Array.isArray(item.value) ? item.value : []),
  };
}
