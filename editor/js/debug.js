// The debug sidebar (#debug): one .debug-message per message, JSON tree, filter, clear, cap 100.

import { DebugFilter } from "./debug-filter.js";
import { clear, h } from "./dom.js";
import { jsonTree, valueAt } from "./jsontree.js";

const MAX_MESSAGES = 100;

export class DebugPanel {
  /** @param {HTMLElement} root #debug  @param {object} app editor context */
  constructor(root, app) {
    this.app = app;
    this.root = root;
    this.filter = new DebugFilter(app, () => this.applyFilter());
    this.list = h("div", { class: "debug-list", role: "log", "aria-label": "Debug messages" });
    const clearButton = h("button", { type: "button", "data-action": "debug-clear", text: "clear", onclick: () => this.clear() });
    this.pauseButton = h("button", {
      type: "button", "data-action": "debug-pause", "aria-pressed": "false", title: "Pause: hold new messages until resumed",
      text: "pause", onclick: () => this.setPaused(!this.paused),
    });
    this.held = [];
    this.list.addEventListener("click", (e) => this.copyClick(e));
    root.append(
      h("div", { class: "debug-head" }, [h("h2", { text: "Debug" }), this.filter.select, this.pauseButton, clearButton]),
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
    if (this.paused) {
      this.held.push(data);
      if (this.held.length > MAX_MESSAGES) this.held.splice(0, this.held.length - MAX_MESSAGES);
      this.pauseButton.textContent = `resume (${this.held.length})`;
      return;
    }
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
    if (!level) {
      head.append(h("button", { type: "button", class: "json-tool", "data-action": "debug-copy-value", title: "copy the value", text: "copy" }));
    }
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
    this.held = [];
    if (this.paused) this.pauseButton.textContent = "resume";
    clear(this.list);
  }

  /** Pause holds new messages (the newest 100); resuming shows them. */
  setPaused(paused) {
    this.paused = paused;
    this.pauseButton.setAttribute("aria-pressed", String(paused));
    this.pauseButton.textContent = paused ? "resume" : "pause";
    this.app.say(paused ? "Debug paused: new messages are held" : `Debug resumed: ${this.held.length} held message(s) shown`);
    if (!paused) {
      const held = this.held;
      this.held = [];
      for (const d of held) this.add(d);
    }
  }

  /** The copy buttons: a message's value, or an element's path or value in its tree. */
  async copyClick(e) {
    const button = e.target.closest("[data-action^='copy-'], [data-action='debug-copy-value']");
    if (!button) return;
    e.preventDefault();
    e.stopPropagation();
    const entry = button.closest(".debug-message");
    let text;
    let what;
    if (button.dataset.action === "copy-path") {
      text = button.closest("[data-path]").dataset.path;
      what = `path ${text || "msg"}`;
    } else {
      const holder = button.dataset.action === "copy-value" ? button.closest("[data-path]") : entry.querySelector("[data-path]");
      const value = holder ? valueAt(holder) : entry.querySelector(".debug-value")?.textContent;
      text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
      what = "value";
    }
    try {
      await navigator.clipboard.writeText(text ?? "");
      this.app.say(`Copied the ${what}`, true);
    } catch (err) {
      this.app.say(`Could not copy the ${what}: ${err.message}`, true);
    }
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
  const path = data.property === undefined || data.property === null ? "" : String(data.property);
  if (format === "Object" || format.startsWith("array") || format === "Error") {
    try {
      return jsonTree(JSON.parse(raw), format, true, path);
    } catch (err) {
      return h("span", { class: "debug-text", text: raw, title: `not JSON: ${err.message}` });
    }
  }
  const kind = format.startsWith("string") ? "string" : format.split("[")[0] || "value";
  // the header line already says the format (msg.payload : string[5]), as Node-RED's does
  return h("span", { class: `debug-text json-${kind}` }, [h("span", { class: "debug-value", text: raw })]);
}
