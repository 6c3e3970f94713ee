// Bootstrap: load node types and flows, build the editor's parts and wire them together.

import { Api, ApiError } from "./api.js";
import { Canvas } from "./canvas.js";
import { Comms } from "./comms.js";
import { focusItem } from "./cull.js";
import { DebugPanel } from "./debug.js";
import { Deployer } from "./deploy.js";
import { installEditing } from "./editing.js";
import { announce, h, notify } from "./dom.js";
import { History } from "./history.js";
import { Inspector } from "./inspector.js";
import { Interaction } from "./interaction.js";
import { ImportExport } from "./io.js";
import { Keyboard } from "./keyboard.js";
import { groupAt, plan, rehome } from "./group-drop.js";
import { FlowModel } from "./model.js";
import { Palette } from "./palette.js";
import { QuickAdd } from "./quickadd.js";
import { showQueueStatus } from "./queue-status.js";
import { Sidebars } from "./sidebar.js";
import { TabBar } from "./tabs.js";
import { validateNode } from "./validate.js";
import { layoutOf } from "./nodeview.js";
import { GRID } from "./wires.js";

class App {
  constructor() {
    this.api = new Api();
    this.view = { tab: null, selection: new Set(), selectedWire: null, snap: true };
    this.problems = new Map();
    this.serverProblems = new Map();
    this.validated = new Map();
    this.renderQueued = false;
  }

  async start() {
    const started = performance.now();
    const types = await this.withLogin(() => this.api.nodeTypes());
    const flowsLoading = this.api.flows(); // arrives while the parts are built
    this.model = new FlowModel(new Map(types.map((t) => [t.type, t])));
    this.history = new History(this.model);
    this.canvas = new Canvas(document.getElementById("workspace"), this);
    this.interaction = new Interaction(this);
    this.palette = new Palette(document.getElementById("palette"), this);
    this.inspector = new Inspector(this);
    this.quickAdd = new QuickAdd(this);
    this.debug = new DebugPanel(document.getElementById("debug"), this);
    this.io = new ImportExport(this);
    this.tabs = new TabBar(document.getElementById("tabs"), this);
    this.deployer = new Deployer(document.getElementById("deploy"), document.getElementById("deploy-type"), this);
    this.keyboard = new Keyboard(this);
    this.sidebars = new Sidebars(this);
    this.bindToolbar();
    installEditing(this);
    const { flows, rev } = await flowsLoading;
    this.model.load(flows, rev);
    this.afterLoad(true);
    this.model.onChange(() => this.queueRender());
    this.comms = new Comms({ onEvent: (t, d) => this.event(t, d), onState: (s) => this.connection(s) }, () => this.api.token);
    this.comms.connect();
    this.loadTime = performance.now() - started;
    document.body.dataset.ready = "1";
  }

  async withLogin(fn) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
      await this.login();
      return fn();
    }
  }

  login() {
    return new Promise((resolve) => {
      const user = h("input", { name: "username", autocomplete: "username", "aria-label": "Username" });
      const pass = h("input", { name: "password", type: "password", autocomplete: "current-password", "aria-label": "Password" });
      const error = h("div", { class: "field-error", role: "alert" });
      const form = h("form", { method: "dialog" }, [h("h2", { text: "Log in" }), user, pass, error,
        h("div", { class: "dialog-buttons" }, [h("button", { type: "submit", class: "primary", "data-action": "login", text: "Log in" })])]);
      const dialog = h("dialog", { id: "login-dialog" }, [form]);
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        try {
          await this.api.login(user.value, pass.value);
          dialog.close();
          dialog.remove();
          resolve();
        } catch (err) {
          error.textContent = `Login failed: ${err.message}`;
        }
      });
      document.body.append(dialog);
      dialog.showModal();
    });
  }

  /** After (re)loading flows: pick a tab, rebuild the palette, drop stale selection. */
  afterLoad(resetHistory) {
    if (resetHistory) this.history.clear();
    const spaces = this.model.workspaces();
    if (!spaces.length) {
      this.model.addTab("Flow 1");
      this.model.markDeployed(this.model.rev);
    }
    if (!this.model.get(this.view.tab)) this.view.tab = this.model.workspaces()[0].id;
    this.view.selection = new Set([...this.view.selection].filter((id) => this.model.get(id)));
    this.palette.render();
    this.canvas.reset();
    this.render();
  }

  async reload() {
    const { flows, rev } = await this.api.flows();
    this.model.load(flows, rev);
    this.afterLoad(true);
  }

  queueRender() {
    if (this.renderQueued) return;
    this.renderQueued = true;
    queueMicrotask(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  render() {
    if (!this.model.get(this.view.tab)) this.view.tab = (this.model.workspaces()[0] || {}).id || null;
    this.revalidate(false);
    this.tabs.render();
    this.canvas.render();
    this.deployer.refresh();
    document.querySelector("[data-action='undo']").disabled = !this.history.canUndo();
    document.querySelector("[data-action='redo']").disabled = !this.history.canRedo();
    if (this.paletteSubflows !== this.subflowSignature()) {
      this.paletteSubflows = this.subflowSignature();
      this.palette.render();
    }
  }

  subflowSignature() {
    return this.model.all().filter((o) => o.type === "subflow").map((o) => `${o.id}:${o.name}`).join("|");
  }

  /** Recompute invalid-node badges: schema problems (cached per node state) plus deploy errors. */
  revalidate(redraw = true) {
    this.problems = new Map();
    for (const node of this.model.all()) {
      const def = this.model.def(node);
      if (!def) continue;
      const sig = JSON.stringify(node);
      let cached = this.validated.get(node.id);
      if (!cached || cached.sig !== sig) {
        cached = { sig, problems: validateNode(node, def.schema) };
        this.validated.set(node.id, cached);
      }
      const all = [...cached.problems, ...(this.serverProblems.get(node.id) || [])];
      if (all.length) this.problems.set(node.id, all);
    }
    for (const [id, list] of this.serverProblems) if (!this.problems.has(id)) this.problems.set(id, list);
    if (redraw) this.canvas.render();
  }

  bindToolbar() {
    const on = (action, fn) => document.querySelector(`[data-action='${action}']`).addEventListener("click", fn);
    on("import", () => this.io.openImport());
    on("export", () => this.io.openExport());
    on("help", () => this.keyboard.actions.help());
    on("undo", () => this.undo());
    on("redo", () => this.redo());
    on("zoom-in", () => this.canvas.zoomTo(this.canvas.zoom * 1.2));
    on("zoom-out", () => this.canvas.zoomTo(this.canvas.zoom / 1.2));
    on("zoom-reset", () => this.canvas.resetView());
    on("zoom-fit", () => this.canvas.zoomToFit());
    const snap = document.querySelector("[data-action='snap']");
    snap.addEventListener("click", () => {
      this.view.snap = !this.view.snap;
      snap.setAttribute("aria-pressed", String(this.view.snap));
    });
    document.querySelector("[data-action='reconnect']").addEventListener("click", () => this.comms.retryNow());
  }

  // ---- comms ----
  event(topic, data) {
    if (topic === "debug") this.debug.add(data);
    else if (topic.startsWith("status/")) this.canvas.setStatus(topic.slice(7), data);
    else if (topic === "notification/runtime-deploy") this.deployer.remoteDeployed(data && data.revision);
    else if (topic === "notification/queue") showQueueStatus(document.getElementById("queue-status"), data);
    else if (topic === "notification/runtime-state" && data && data.error) {
      const types = Array.isArray(data.types) ? `: ${data.types.join(", ")}` : "";
      this.stopped = `the flows are not running (${data.error}${types})`;
      notify(`Flows not running (${data.error}${types})`, "warn");
    } else if (topic === "notification/runtime-state") this.stopped = null;
    else if (topic === "auth/fail") notify("The server refused the editor's login token", "error");
  }

  connection(state) {
    const banner = document.getElementById("connection-banner");
    banner.hidden = state === "connected";
    document.body.dataset.connection = state;
    if (state === "lost") announce("Lost connection to the server; reconnecting");
    if (state === "connected" && this.wasLost) announce("Reconnected to the server");
    this.wasLost = state === "lost";
  }

  // ---- commands used by the parts ----
  /** Announce to screen readers; `visible` also shows a notice. */
  say(text, visible = false) {
    if (visible) notify(text, "info");
    else announce(text);
  }

  showTab(id) {
    this.view.tab = id;
    this.view.selection.clear();
    this.view.selectedWire = null;
    this.canvas.reset();
    this.render();
    this.debug.applyFilter();
  }

  selectionChanged() {
    this.canvas.render();
    this.debug.applyFilter();
  }

  selectAll() {
    this.view.selection = new Set(this.model.nodesOn(this.view.tab).map((n) => n.id));
    this.selectionChanged();
  }

  selectNone() {
    this.view.selection.clear();
    this.view.selectedWire = null;
    this.selectionChanged();
  }

  selectWire(key) {
    this.view.selection.clear();
    this.view.selectedWire = key;
    this.selectionChanged();
  }

  deleteSelection() {
    const { selection, selectedWire } = this.view;
    if (selection.size) {
      const ids = [...selection];
      this.history.run("delete", () => this.model.removeNodes(ids));
      selection.clear();
      this.say(`Deleted ${ids.length} node${ids.length === 1 ? "" : "s"}`);
    } else if (selectedWire) {
      const m = /^(.*):(\d+)->(.*)$/.exec(selectedWire);
      this.history.run("unwire", () => this.model.disconnect(m[1], Number(m[2]), m[3]));
      this.view.selectedWire = null;
      this.say("Deleted wire");
    }
  }

  snap(id, x, y) {
    if (!this.view.snap) return { x: Math.round(x), y: Math.round(y) };
    const layout = this.canvas.layouts.get(id);
    const half = layout ? layout.size.width / 2 : 50;
    return { x: Math.round((x - half) / GRID) * GRID + half, y: Math.round(y / GRID) * GRID };
  }

  /** Add a node at a client point; `from` = {src, port} also wires that output to it. */
  addNodeAtClient(type, clientX, clientY, from = null) {
    const at = this.canvas.toCanvas(clientX, clientY);
    // dropped on a group, the new node joins it (Node-RED)
    return this.addNode(type, at.x, at.y, from, groupAt(this.model, this.view.tab, at.x, at.y, new Set()));
  }

  addNodeAtCentre(type) {
    const c = this.canvas.centre();
    let y = c.y;
    const taken = (yy) => this.model.nodesOn(this.view.tab).some((n) => Math.abs(n.x - c.x) < 60 && Math.abs(n.y - yy) < 30);
    for (let i = 0; i < 20 && taken(y); i++) y += 40;
    return this.addNode(type, c.x, y);
  }

  addNode(type, x, y, from = null, group = null) {
    const node = this.history.run("add", () => {
      const n = this.model.addNode(type, x, y, this.view.tab);
      if (this.view.snap && n.x !== undefined) {
        const half = layoutOf(this.model, n).size.width / 2;
        n.x = Math.round((n.x - half) / GRID) * GRID + half;
        n.y = Math.round(n.y / GRID) * GRID;
      }
      if (from) this.model.connect(from.src, from.port, n.id);
      if (group) rehome(this.model, plan(this.model, [n.id], []), group, false);
      return n;
    });
    this.view.selection = new Set([node.id]);
    this.view.selectedWire = null;
    this.render();
    this.say(`Added ${this.model.labelOf(node)} node`);
    return node;
  }

  async nodeAction(action, id) {
    const node = this.model.get(id);
    if (!node) return;
    try {
      if (action === "inject") {
        if (this.model.changedIds().includes(id)) notify("This node has undeployed changes; the deployed version is injected.", "warn");
        await this.api.inject(id);
        this.say(`Injected ${this.model.labelOf(node)}`);
      } else if (action === "debug-toggle") {
        const active = node.active === false;
        this.history.run("toggle debug", () => this.model.updateNode(id, { ...node, active }));
        await this.api.setDebugActive(id, active);
        this.say(`Debug output ${active ? "enabled" : "disabled"}`);
      }
    } catch (err) {
      const hint = err instanceof ApiError && err.status === 404 ? ` (${this.stopped || "deploy the node first"})` : "";
      notify(`${action} failed: ${err.message}${hint}`, "error");
    }
  }

  openInspector(id) {
    this.inspector.open(id);
  }

  focusNode(id) {
    const el = id && this.canvas.nodeElement(id);
    if (el) focusItem(this.canvas, el);
  }

  reveal(id) {
    const node = this.model.get(id);
    if (!node || !node.z) return;
    if (node.z !== this.view.tab) this.showTab(node.z);
    this.view.selection = new Set([id]);
    this.selectionChanged();
    this.focusNode(id);
  }

  undo() {
    const label = this.history.undo();
    if (label) this.say(`Undid ${label}`);
  }

  redo() {
    const label = this.history.redo();
    if (label) this.say(`Redid ${label}`);
  }

  /** Read-only view of the editor state for tests and debugging. */
  state() {
    const m = this.model;
    return {
      rev: m.rev, dirty: m.isDirty(), tab: this.view.tab,
      tabs: m.workspaces().map((w) => ({ id: w.id, type: w.type, label: w.label ?? w.name })),
      nodes: m.all().filter((o) => m.isCanvasNode(o)).map((o) => ({ id: o.id, type: o.type, z: o.z, x: o.x, y: o.y, name: o.name })),
      wires: m.wires().map((w) => `${w.src}:${w.port}->${w.dst}`),
      selection: [...this.view.selection], undo: this.history.undoStack.length, redo: this.history.redoStack.length,
      loadTime: this.loadTime,
    };
  }
}

const app = new App();
window.__editor = { state: () => app.state(), app };
app.start().catch((err) => {
  console.error(err);
  document.body.dataset.ready = "error";
  const banner = document.getElementById("startup-error");
  banner.hidden = false;
  banner.textContent = `The editor could not start: ${err.message}`;
});
