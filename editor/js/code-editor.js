// A code field: a <textarea name="<property>"> enhanced with the vendored CodeMirror 6 build
// (editor/vendor/codemirror.js): line numbers, highlighting (JavaScript, Python, JSON, HTML),
// Tab indents (Escape then Tab leaves the editor), bracket matching, and syntax errors marked as
// you type. Errors come from the runtime (POST node-check, the same check a deploy makes) for
// function code, from JSON.parse for JSON. The textarea stays the field's value (and test hook):
// typing in either one updates the other.

import { h } from "./dom.js";

let vendor = null;
let uid = 0;

function loadVendor() {
  if (!vendor) vendor = import("../vendor/codemirror.js");
  return vendor;
}

/** Languages by name; `mustache` templates highlight as HTML. */
function languageOf(cm, name) {
  if (name === "python") return cm.python();
  if (name === "json") return cm.json();
  if (name === "html" || name === "mustache" || name === "handlebars") return cm.html();
  if (name === "javascript") return cm.javascript();
  return [];
}

/** 1-based line (and optional column) of a "... line N[, col M]" message, or null. */
export function lineOf(message) {
  const m = /line (\d+)(?:, col(?:umn)? (\d+))?/.exec(message || "");
  return m ? { line: Number(m[1]), col: m[2] ? Number(m[2]) : 0 } : null;
}

/** Where a JSON.parse error points, as a character offset (or 0). */
function jsonOffset(text, err) {
  const pos = /position (\d+)/.exec(err.message);
  if (pos) return Number(pos[1]);
  const lc = /line (\d+) column (\d+)/.exec(err.message);
  if (!lc) return 0;
  const lines = text.split("\n");
  return lines.slice(0, Number(lc[1]) - 1).reduce((n, l) => n + l.length + 1, 0) + Number(lc[2]) - 1;
}

/**
 * A code area. opts: name, value, lang ("javascript"|"python"|"json"|"html"|"mustache"|"text" or a
 * function giving one), rows, app (for the runtime check), node (the node being edited, whose type
 * and language the check uses). Returns {el, id, get(), setLang(name), ready}.
 */
export function codeArea({ name, value = "", lang = "javascript", rows = 12, app = null, node = null, textarea: given = null }) {
  const id = given && given.id ? given.id : `code-${++uid}`;
  const textarea = given || h("textarea", { name, id, rows, class: "code", spellcheck: "false" });
  if (!given) textarea.value = value;
  const host = h("div", { class: "code-host", "data-code-for": name, style: `--rows: ${rows}` });
  const box = h("div", { class: "code-box" });
  if (given) given.replaceWith(box);
  box.append(textarea, host);
  const langName = () => (typeof lang === "function" ? lang() : lang);
  let view = null;
  let cm = null;
  let langSlot = null;
  let syncing = false;

  const check = async (v) => {
    const text = v.state.doc.toString();
    const which = langName();
    if (which === "json") {
      if (!text.trim()) return [];
      try {
        JSON.parse(text);
        return [];
      } catch (err) {
        const from = Math.min(jsonOffset(text, err), text.length);
        return [{ from, to: Math.min(from + 1, text.length), severity: "error", message: err.message }];
      }
    }
    if (!app || !node || !(which === "javascript" || which === "python") || !text.trim()) return [];
    let problems = [];
    try {
      const body = { type: node.type, language: which, [name]: text };
      problems = (await app.api.request("POST", "node-check", { body })).body.problems || [];
    } catch (err) {
      return [];
    }
    const doc = v.state.doc;
    if (doc.toString() !== text) return [];
    return problems.filter((p) => p.property === name).map((p) => {
      const at = lineOf(p.message);
      const line = doc.line(Math.min(Math.max(at ? at.line : 1, 1), doc.lines));
      const from = at && at.col ? Math.min(line.from + at.col - 1, line.to) : line.from;
      return { from, to: Math.max(line.to, from), severity: "error", message: p.message.replace(/^not valid \w+ \([^)]*\): /, "") };
    });
  };

  const mount = async () => {
    cm = await loadVendor();
    langSlot = new cm.Compartment();
    view = new cm.EditorView({
      parent: host,
      state: cm.EditorState.create({
        doc: textarea.value,
        extensions: [
          cm.lineNumbers(), cm.highlightActiveLineGutter(), cm.history(), cm.drawSelection(),
          cm.indentOnInput(), cm.bracketMatching(), cm.closeBrackets(), cm.foldGutter(),
          cm.syntaxHighlighting(cm.defaultHighlightStyle, { fallback: true }),
          cm.keymap.of([...cm.closeBracketsKeymap, ...cm.defaultKeymap, ...cm.historyKeymap, cm.indentWithTab]),
          cm.indentUnit.of(langName() === "python" ? "    " : "    "),
          langSlot.of(languageOf(cm, langName())),
          cm.lintGutter(), cm.linter(check, { delay: 300 }),
          cm.EditorView.contentAttributes.of({ "aria-label": `${name} code`, "data-code-editor": name }),
          cm.EditorView.updateListener.of((u) => {
            if (!u.docChanged || syncing) return;
            textarea.value = u.state.doc.toString();
            textarea.dispatchEvent(new Event("input", { bubbles: true }));
          }),
        ],
      }),
    });
    box.classList.add("code-ready");
    textarea.tabIndex = -1;
    textarea.setAttribute("aria-hidden", "true");
    host.dataset.language = langName();
  };
  // Typing into the textarea (tests fill it by name) updates the editor.
  textarea.addEventListener("input", () => {
    if (!view || view.state.doc.toString() === textarea.value) return;
    syncing = true;
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: textarea.value } });
    syncing = false;
  });
  const ready = mount().catch((err) => {
    host.textContent = `(plain text: the code editor did not load: ${err.message})`;
  });
  return {
    el: box, id, ready,
    get: () => (view ? view.state.doc.toString() : textarea.value),
    setLang(next) {
      if (!view) return;
      view.dispatch({ effects: langSlot.reconfigure(languageOf(cm, next)) });
      host.dataset.language = next;
      cm.forceLinting(view);
    },
    view: () => view,
  };
}

/**
 * Give the code textareas of a generic (schema) form the code editor: JSON fields, function code
 * (in the node's language), templates. `node` is the node being edited.
 */
export function enhanceCodeFields(root, { app, node }) {
  for (const textarea of root.querySelectorAll("textarea.code")) {
    if (textarea.closest(".code-box")) continue;
    const name = textarea.name;
    const key = name.split(".").pop();
    const lang = textarea.classList.contains("json") ? "json"
      : ["func", "initialize", "finalize"].includes(key) ? (node && node.language === "python" ? "python" : "javascript")
        : key === "template" ? "mustache" : "text";
    codeArea({ name, lang, rows: Math.max(3, Number(textarea.rows) || 4), app, node, textarea });
  }
}
