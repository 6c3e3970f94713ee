// The flow document: Node-RED flow JSON objects keyed by id. Pure data, never touches the DOM.

import { exportSet, importSet, newId } from "./flowjson.js";
import { nodeLabel } from "./labels.js";

export { newId };

const CONTAINERS = new Set(["tab", "subflow", "group"]);

/** The editor's flow model. Every mutation notifies listeners with {kind, ids}. */
export class FlowModel {
  /** @param {Map<string, object>} types node-type definitions from GET /node-types, by type name */
  constructor(types) {
    this.types = types;
    this.items = new Map();
    this.base = new Map();
    this.baseOrder = "";
    this.rev = null;
    this._listeners = new Set();
  }

  onChange(fn) {
    this._listeners.add(fn);
    return () => this._listeners.delete(fn);
  }

  _changed(kind, ids = []) {
    for (const fn of this._listeners) fn({ kind, ids });
  }

  // ---- reading ----
  get(id) {
    return this.items.get(id);
  }

  all() {
    return [...this.items.values()];
  }

  def(obj) {
    return this.types.get(obj.type);
  }

  /** Tabs then subflow definitions: everything the tab bar shows. */
  workspaces() {
    const all = this.all();
    return [...all.filter((o) => o.type === "tab"), ...all.filter((o) => o.type === "subflow")];
  }

  isConfig(obj) {
    const def = this.def(obj);
    if (def) return Boolean(def.config);
    if (CONTAINERS.has(obj.type) || obj.type === "global-config") return obj.type === "global-config";
    return obj.x === undefined && obj.wires === undefined;
  }

  /** True for objects drawn on the canvas as nodes (not tabs, groups or config nodes). */
  isCanvasNode(obj) {
    return !CONTAINERS.has(obj.type) && !this.isConfig(obj) && obj.z !== undefined;
  }

  nodesOn(z) {
    return this.all().filter((o) => o.z === z && this.isCanvasNode(o));
  }

  groupsOn(z) {
    return this.all().filter((o) => o.z === z && o.type === "group");
  }

  configNodes(type) {
    return this.all().filter((o) => o.type === type && this.isConfig(o));
  }

  subflowOf(obj) {
    return obj.type.startsWith("subflow:") ? this.items.get(obj.type.slice(8)) : undefined;
  }

  inputsOf(obj) {
    const sf = this.subflowOf(obj);
    if (sf) return (sf.in || []).length > 0 ? 1 : 0;
    if (obj.type === "junction") return 1;
    const def = this.def(obj);
    if (!def) return 1;
    // a type whose schema has an `inputs` property lets each node choose (mqtt in's dynamic mode)
    const own = def.schema && def.schema.properties && def.schema.properties.inputs ? Number(obj.inputs) : NaN;
    return Math.min(1, Number.isInteger(own) ? own : def.inputs || 0);
  }

  outputsOf(obj) {
    const sf = this.subflowOf(obj);
    if (sf) return (sf.out || []).length;
    if (obj.type === "junction") return 1;
    const def = this.def(obj);
    if (!def) return (obj.wires || []).length;
    const declared = typeof obj.outputs === "string" && obj.outputs.trim() !== "" ? Number(obj.outputs) : obj.outputs;
    if (Number.isInteger(declared) && declared >= 0 && def.outputs !== 0) return declared;
    return def.outputs || 0;
  }

  labelOf(obj) {
    const own = this.isCanvasNode(obj) ? nodeLabel(obj) : null; // Node-RED's per-type label rules
    if (own !== null) return own;
    if (obj.name) return String(obj.name);
    if (obj.type === "tab") return String(obj.label || obj.id);
    const sf = this.subflowOf(obj);
    if (sf) return String(sf.name || "subflow");
    const def = this.def(obj);
    return def && def.label ? String(def.label) : String(obj.type);
  }

  wires() {
    const out = [];
    for (const o of this.items.values()) {
      if (!Array.isArray(o.wires)) continue;
      o.wires.forEach((targets, port) => {
        for (const dst of targets || []) out.push({ src: o.id, port, dst });
      });
    }
    return out;
  }

  // ---- whole-document operations ----
  load(flows, rev) {
    this.items = new Map(flows.map((o) => [o.id, o]));
    this._addMissingTabs();
    this.rev = rev ?? null;
    this._setBase();
    this._changed("load");
  }

  /**
   * A tab for each `z` that names nothing in the flows, as the runtime runs those nodes (Node-RED's
   * parseConfig adds such tabs; example flows and flows copied from the web have none). Labelled
   * like a new tab; the next deploy writes it into the flows file.
   */
  _addMissingTabs() {
    let count = this.all().filter((o) => o.type === "tab").length;
    for (const o of this.all()) {
      if (typeof o.z !== "string" || !o.z || this.items.has(o.z) || CONTAINERS.has(o.type)) continue;
      count += 1;
      this.items.set(o.z, { id: o.z, type: "tab", label: `Flow ${count}`, disabled: false, info: "", env: [] });
    }
  }

  _setBase() {
    this.base = new Map([...this.items].map(([id, o]) => [id, stableJson(o)]));
    this.baseOrder = this.workspaces().map((w) => w.id).join(",");
  }

  snapshot() {
    return JSON.stringify(this.all());
  }

  restore(snapshot) {
    this.items = new Map(JSON.parse(snapshot).map((o) => [o.id, o]));
    this._changed("restore");
  }

  /** After a successful deploy: pending credentials are gone and the current state is the base. */
  markDeployed(rev) {
    for (const o of this.items.values()) delete o.credentials;
    this.rev = rev;
    this._setBase();
    this._changed("deployed");
  }

  changedIds() {
    const ids = [];
    for (const [id, o] of this.items) if (this.base.get(id) !== stableJson(o)) ids.push(id);
    return ids;
  }

  isDirty() {
    if (this.items.size !== this.base.size) return true;
    if (this.workspaces().map((w) => w.id).join(",") !== this.baseOrder) return true;
    return this.changedIds().length > 0;
  }

  // ---- mutations ----
  addNode(type, x, y, z, props = {}) {
    const def = this.types.get(type);
    const node = { id: newId(), type, z, name: "", ...defaultsOf(def), ...props };
    const sf = this.subflowOf(node);
    if ((def && !def.config) || sf) {
      node.x = Math.round(x);
      node.y = Math.round(y);
      node.wires = Array.from({ length: this.outputsOf(node) }, () => []);
    } else if (def && def.config) {
      delete node.z;
    }
    this.items.set(node.id, node);
    this._changed("add", [node.id]);
    return node;
  }

  /** Add a config node (global scope) with the given properties. */
  addConfig(type, props = {}) {
    const def = this.types.get(type);
    const node = { id: newId(), type, ...defaultsOf(def), ...props };
    this.items.set(node.id, node);
    this._changed("add", [node.id]);
    return node;
  }

  removeNodes(ids) {
    const gone = new Set(ids);
    for (const id of ids) {
      const o = this.items.get(id);
      if (o && (o.type === "tab" || o.type === "subflow")) {
        for (const inner of this.all()) if (inner.z === id) gone.add(inner.id);
      }
    }
    for (const id of gone) this.items.delete(id);
    const shrunk = []; // groups that lost members (listeners refit their boxes)
    for (const o of this.items.values()) {
      if (Array.isArray(o.wires)) o.wires = o.wires.map((t) => (t || []).filter((d) => !gone.has(d)));
      if (o.type === "group" && Array.isArray(o.nodes) && o.nodes.some((n) => gone.has(n))) {
        o.nodes = o.nodes.filter((n) => !gone.has(n));
        shrunk.push(o.id);
      }
      if (Array.isArray(o.links)) o.links = o.links.filter((n) => !gone.has(n));
      if (o.g && gone.has(o.g)) delete o.g;
    }
    this._changed("remove", [...gone, ...shrunk]);
  }

  moveNodes(moves) {
    for (const { id, x, y } of moves) {
      const o = this.items.get(id);
      if (!o) continue;
      o.x = Math.round(x);
      o.y = Math.round(y);
    }
    this._changed("move", moves.map((m) => m.id));
  }

  /** Why a wire cannot be made, or null when it can. */
  wireProblem(src, port, dst) {
    const a = this.items.get(src);
    const b = this.items.get(dst);
    if (!a || !b) return "unknown node";
    if (src === dst) return "a node cannot be wired to itself";
    if (a.z !== b.z) return "nodes are on different tabs";
    if (port >= this.outputsOf(a)) return "no such output port";
    if (this.inputsOf(b) < 1) return "the target has no input";
    if ((a.wires[port] || []).includes(dst)) return "already wired";
    return null;
  }

  connect(src, port, dst) {
    if (this.wireProblem(src, port, dst)) return false;
    const a = this.items.get(src);
    while (a.wires.length <= port) a.wires.push([]);
    a.wires[port].push(dst);
    this._changed("wire", [src]);
    return true;
  }

  disconnect(src, port, dst) {
    const a = this.items.get(src);
    if (!a || !a.wires[port]) return;
    a.wires[port] = a.wires[port].filter((d) => d !== dst);
    this._changed("wire", [src]);
  }

  /** Replace a node's properties (id, type, z, x, y, wires are kept). */
  updateNode(id, props, credentials) {
    const o = this.items.get(id);
    if (!o) return;
    const keep = { id: o.id, type: o.type };
    for (const k of ["z", "x", "y", "wires", "g", "d", "l"]) if (k in o) keep[k] = o[k];
    const next = { ...props, ...keep };
    if (credentials && Object.keys(credentials).length) {
      next.credentials = { ...(o.credentials || {}), ...credentials };
    } else if (o.credentials) next.credentials = o.credentials;
    if (Array.isArray(next.wires)) {
      const n = this.outputsOf(next);
      next.wires = Array.from({ length: n }, (_, i) => next.wires[i] || []);
    }
    this.items.set(id, next);
    this._changed("update", [id]);
  }

  addTab(label) {
    const tab = { id: newId(), type: "tab", label, disabled: false, info: "", env: [] };
    this.items.set(tab.id, tab);
    this._changed("tabs", [tab.id]);
    return tab;
  }

  renameTab(id, label) {
    const tab = this.items.get(id);
    if (!tab) return;
    if (tab.type === "subflow") tab.name = label;
    else tab.label = label;
    this._changed("tabs", [id]);
  }

  /** Import flow JSON into workspace z. Returns the ids of the imported objects. */
  importFlows(flows, z, { remapAll = false, dx = 0, dy = 0, newTab = false } = {}) {
    const added = importSet(this, flows, z, { remapAll, dx, dy, newTab });
    for (const o of added) this.items.set(o.id, o);
    this._changed("import", added.map((o) => o.id));
    return added.map((o) => o.id);
  }

  /** Node-RED flow JSON of the given objects, their config nodes and subflows; no credentials. */
  exportNodes(ids) {
    return exportSet(this, ids);
  }

  /** Node-RED flow JSON of everything, in Node-RED's export order; no credentials. */
  exportAll() {
    return this.ordered().map(({ credentials, ...rest }) => structuredClone(rest));
  }

  /** The full set to deploy: like exportAll but with pending credentials kept on their nodes. */
  deploySet() {
    return this.ordered().map((o) => structuredClone(o));
  }

  ordered() {
    const all = this.all();
    const rank = (o) => {
      if (o.type === "tab") return 0;
      if (o.type === "subflow") return 1;
      if (o.type === "group") return 2;
      if (o.type === "junction") return 3;
      return this.isConfig(o) ? 4 : 5;
    };
    return all.map((o, i) => [rank(o), i, o]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((e) => e[2]);
  }
}

/**
 * Default property values of a type from its JSON schema. Properties that map onto an API request
 * (`x-in`: body, query, path) are left out: their defaults are the remote server's to apply.
 */
export function defaultsOf(def) {
  const out = {};
  const props = (def && def.schema && def.schema.properties) || {};
  for (const [key, schema] of Object.entries(props)) {
    if (schema && schema.default !== undefined && !schema["x-in"]) out[key] = structuredClone(schema.default);
  }
  return out;
}

function stableJson(o) {
  const { credentials, ...rest } = o;
  return JSON.stringify(rest) + (credentials ? JSON.stringify(credentials) : "");
}
