// Pasted and duplicated nodes follow the pointer until a click puts them down, as in Node-RED's
// editor. The first node sits at the pointer (at the last place the pointer was on the canvas when
// it is elsewhere, or the middle of the view when it never was); once moved they snap as a drag
// does. A click puts them down (on a group, they join it); Escape takes them away again (the paste
// is undone); any other key, or a click outside the canvas, puts them down where they are first.
// Adding them and putting them down are one undo step.

import { carriedGroups } from "./dragmoves.js";
import { markTarget, plan, rehome, target } from "./group-drop.js";

export class Placing {
  /** @param {object} app the editor context (model, history, canvas, view) */
  constructor(app) {
    this.app = app;
    this.state = null;
    this.last = null; // the last client point of the pointer over the canvas
    this.swallowing = false;
    window.addEventListener("pointermove", (e) => this.pointermove(e), true);
    window.addEventListener("pointerdown", (e) => this.pointerdown(e), true);
    window.addEventListener("keydown", (e) => this.keydown(e), true);
    for (const type of ["pointerup", "click"]) window.addEventListener(type, (e) => this.swallow(e), true);
    // flows loaded or an undo in between: what was attached is no longer there to place
    app.model.onChange(({ kind }) => {
      if (kind === "load" || kind === "restore") this.drop();
    });
  }

  get active() {
    return this.state !== null;
  }

  /**
   * Add `items` (a pasteable copied set) to the current tab as the undo step `label`, selected and
   * attached to the pointer; `at` is a client point to start from (the context menu's spot).
   * Returns how many canvas nodes were added.
   */
  add(items, label, at = null) {
    const { app } = this;
    const { model, view, canvas } = app;
    this.put();
    const inSubflow = new Set(items.filter((o) => o.type === "subflow").map((o) => o.id));
    const root = items.find((o) => typeof o.x === "number" && !["group", "tab", "subflow"].includes(o.type) && !inSubflow.has(o.z));
    const point = at || this.lastPoint();
    const anchor = point ? canvas.toCanvas(point.x, point.y) : canvas.centre();
    const dx = root ? Math.round(anchor.x - root.x) : 0;
    const dy = root ? Math.round(anchor.y - root.y) : 0;
    const added = app.history.run(label, () => model.importFlows(items, view.tab, { remapAll: true, dx, dy }));
    const nodes = added.filter((id) => model.get(id)?.z === view.tab && model.isCanvasNode(model.get(id)));
    view.selection = new Set(nodes);
    view.selectedWire = null;
    app.selectionChanged();
    const lead = nodes.find((id) => typeof model.get(id).x === "number");
    if (!lead) return nodes.length;
    const groups = carriedGroups(model, nodes);
    const carried = new Set(groups);
    const tops = [...nodes, ...groups].filter((id) => !carried.has(model.get(id)?.g));
    const origin = new Map([...nodes, ...groups].map((id) => [id, { x: model.get(id).x, y: model.get(id).y }]));
    // Put exactly at the pointer; snapped once the pointer moves, as a drag is (Node-RED).
    this.state = { lead, nodes, groups, origin, drop: plan(model, tops, groups), at: { ...origin.get(lead) } };
    markTarget(canvas, this, target(model, this.state.drop, view.tab, this.state.at, false));
    return nodes.length;
  }

  /** The last pointer position over the canvas, if it is still inside the canvas's box. */
  lastPoint() {
    const r = this.app.canvas.svg.getBoundingClientRect();
    const p = this.last;
    return p && p.x >= r.left && p.x <= r.right && p.y >= r.top && p.y <= r.bottom ? p : null;
  }

  /**
   * Move what is attached so that its first node sits at canvas point `at` (snapped as a drag is).
   * The positions are written to the model without a change notice, so a redraw in between keeps
   * them; put() records them as part of the paste's undo step.
   */
  follow(at) {
    const s = this.state;
    const { model, canvas, view } = this.app;
    const o = s.origin.get(s.lead);
    s.at = at;
    const lead = this.app.snap(s.lead, at.x, at.y);
    const [dx, dy] = [lead.x - o.x, lead.y - o.y];
    for (const id of s.nodes) {
      const from = s.origin.get(id);
      const p = id === s.lead ? lead : this.app.snap(id, from.x + dx, from.y + dy);
      Object.assign(model.get(id), { x: p.x, y: p.y });
      canvas.place(id, p.x, p.y);
    }
    for (const gid of s.groups) Object.assign(model.get(gid), { x: s.origin.get(gid).x + dx, y: s.origin.get(gid).y + dy });
    canvas.redrawWiresOf(new Set(s.nodes));
    canvas.renderGroups();
    const gid = target(model, s.drop, view.tab, at, false);
    markTarget(canvas, this, gid);
  }

  /** Put down what is attached where it is now (joining the group under it), in the same undo step. */
  put() {
    const s = this.state;
    if (!s) return;
    this.state = null;
    const { model, canvas, view, history } = this.app;
    markTarget(canvas, this, null);
    const moves = [...s.nodes, ...s.groups].map((id) => ({ id, x: model.get(id).x, y: model.get(id).y }));
    const into = target(model, s.drop, view.tab, s.at, false);
    history.amend(() => rehome(model, s.drop, into, false, moves), "place");
  }

  /** Escape: take away what is attached (the paste is undone, as Node-RED's editor does). */
  cancel() {
    if (!this.state) return;
    this.state = null;
    markTarget(this.app.canvas, this, null);
    this.app.undo();
    this.app.view.selection.clear();
    this.app.selectionChanged();
  }

  /** Forget what is attached (it went with a load or an undo). */
  drop() {
    if (!this.state) return;
    this.state = null;
    markTarget(this.app.canvas, this, null);
  }

  onCanvas(e) {
    return e.target instanceof Node && this.app.canvas.svg.contains(e.target);
  }

  pointermove(e) {
    if (!this.onCanvas(e)) return;
    this.last = { x: e.clientX, y: e.clientY };
    if (this.state) this.follow(this.app.canvas.toCanvas(e.clientX, e.clientY));
  }

  pointerdown(e) {
    this.swallowing = false;
    if (!this.state) return;
    if (!this.onCanvas(e) || e.button !== 0) {
      this.put(); // elsewhere (a button, the sidebar): put down where they are, then act
      return;
    }
    e.preventDefault();
    e.stopImmediatePropagation();
    this.put(); // where the last pointer move brought them
    this.swallowing = true; // the click that put them down does nothing else
  }

  swallow(e) {
    if (!this.swallowing) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    if (e.type === "click") this.swallowing = false;
  }

  keydown(e) {
    this.swallowing = false;
    if (!this.state || ["Control", "Shift", "Alt", "Meta"].includes(e.key)) return;
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopImmediatePropagation();
      this.cancel();
      return;
    }
    this.put();
  }
}
