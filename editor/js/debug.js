// The debug sidebar (#debug): one .debug-message per message, JSON tree, filter, clear, cap 100.

import { DebugFilter } from "./debug-filter.js";
import { clear, h } from "./dom.js";
import { jsonTree } from "./jsontree.js";

const MAX_MESSAGES = 100;

export class DebugPanel {
  /** @param {HTMLElement} root #debug  @param {object} app editor context */
  constructor(root, app) {
    this.app = app;
    this.root = root;
    this.filter = new DebugFilter(app, () => this.applyFilter());
    this.list = h("div", { class: "debug-list", role: "log", "aria-label": "Debug messages" });
    const clearButton = h("button", { type: "button", "data-action": "debug-clear", text: "clear", onclick: () => this.clear() });
    root.append(
      h("div", { class: "debug-head" }, [h("h2", { text: "Debug" }), this.filter.select, clearButton]),
      this.filter.picker,
      this.list,
    );
  }

  /**
   * Handle a comms `debug` event (debug-node output or a level 20/30 log event). Messages are
   * drawn once per animation frame and only the newest 100 of a burst are ever built, so a flood
   * of debug output cannot freeze the editor.
   */
  add(data) {
    if (!data || typeof data !== "object") return;
    this.pending = this.pending || [];
    this.pending.push(data);
    if (this.pending.length > MAX_MESSAGES) this.pending.splice(0, this.pending.length - MAX_MESSAGES);
    if (this.flushQueued) return;
    this.flushQueued = true;
    requestAnimationFrame(() => {
      this.flushQueued = false;
      const batch = this.pending;
      this.pending = [];
      for (const d of batch) this.draw(d);
      this.list.scrollTop = this.list.scrollHeight;
    });
  }

  draw(data) {
    if (data.dropped !== undefined && data.level === undefined) {
      this.append(this.drawDropped(data));
      return;
    }
    const level = data.level === 20 ? "error" : data.level === 30 ? "warn" : null;
    const node = data.id ? this.app.model.get(data.id) : null;
    const name = data.name || (node ? this.app.model.labelOf(node) : "") || data.type || data.id || "";
    const time = new Date();
    const reveal = h("button", {
      type: "button", class: "debug-node", text: name || "(node)", title: `show node ${data.id || ""}`,
      onclick: () => data.id && this.app.reveal(data.id),
    });
    const head = h("div", { class: "debug-meta" }, [
      h("time", { datetime: time.toISOString(), text: time.toLocaleTimeString() }),
      reveal,
      data.topic !== undefined && data.topic !== "" ? h("span", { class: "debug-topic", text: `topic: ${String(data.topic)}` }) : null,
      level ? h("span", { class: "debug-level", text: level === "error" ? "error" : "warning" }) : null,
      level ? null : h("span", { class: "debug-prop", text: `msg${data.property ? `.${String(data.property)}` : ""} : ${String(data.format || "")}` }),
    ]);
    const body = h("div", { class: "debug-body" });
    if (level) body.append(h("span", { class: "debug-text", text: typeof data.msg === "string" ? data.msg : JSON.stringify(data.msg) }));
    else body.append(decode(data));
    const entry = h("div", {
      class: `debug-message${level ? ` debug-${level}` : ""}`,
      "data-source-id": data.id || "",
      "data-z": data.z || "",
    }, [head, body]);
    this.append(entry);
  }

  /**
   * A debug node's summary of the messages its rate limit (`debugMaxRate`) held back in one second:
   * {id, z, name, msg, format, dropped: N, rate}. Drawn as text only, whatever the fields hold.
   */
  drawDropped(data) {
    const node = data.id ? this.app.model.get(data.id) : null;
    const name = String(data.name || (node ? this.app.model.labelOf(node) : "") || data.id || "(node)");
    const count = Number(data.dropped);
    const rate = Number(data.rate);
    const text = Number.isFinite(count)
      ? `${count.toLocaleString("en-US")} message${count === 1 ? "" : "s"} from ${name} not shown${rate > 0 ? ` (over ${rate}/s)` : ""}`
      : String(data.msg ?? "");
    const time = new Date();
    const head = h("div", { class: "debug-meta" }, [
      h("time", { datetime: time.toISOString(), text: time.toLocaleTimeString() }),
      h("button", {
        type: "button", class: "debug-node", text: name, title: `show node ${data.id || ""}`,
        onclick: () => data.id && this.app.reveal(data.id),
      }),
      h("span", { class: "debug-level", text: "rate limited" }),
    ]);
    return h("div", {
      class: "debug-message debug-warn debug-dropped",
      "data-source-id": data.id || "",
      "data-z": data.z || "",
      "data-dropped": Number.isFinite(count) ? String(count) : "",
    }, [head, h("div", { class: "debug-body" }, [h("span", { class: "debug-text", text })])]);
  }

  append(entry) {
    this.list.append(entry);
    while (this.list.children.length > MAX_MESSAGES) this.list.firstChild.remove();
    this.match(entry);
  }

  clear() {
    this.pending = [];
    clear(this.list);
  }

  match(entry) {
    entry.hidden = !this.filter.passes(entry);
  }

  applyFilter() {
    for (const entry of this.list.children) this.match(entry);
  }
}

/** Turn Node-RED's debug encoding {msg: string, format} into a DOM value. */
function decode(data) {
  const format = String(data.format || "");
  const raw = data.msg;
  if (typeof raw !== "string") return jsonTree(raw, format || "value", true);
  if (format === "Object" || format.startsWith("array") || format === "Error") {
    try {
      return jsonTree(JSON.parse(raw), format, true);
    } catch (err) {
      return h("span", { class: "debug-text", text: raw, title: `not JSON: ${err.message}` });
    }
  }
  const kind = format.startsWith("string") ? "string" : format.split("[")[0] || "value";
  // the header line already says the format (msg.payload : string[5]), as Node-RED's does
  return h("span", { class: `debug-text json-${kind}` }, [h("span", { class: "debug-value", text: raw })]);
}
