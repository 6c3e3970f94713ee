// Pointer interaction on the canvas: one small state machine (idle, move, lasso, wire, pan).

import { bringIntoView } from "./cull.js";
import { svg } from "./dom.js";
import { canSplice, carriedGroups, groupDelta, groupMembers, splice, wireUnder } from "./dragmoves.js";
import { dragPlan, drawLeaving, leavePlan, markTarget, plan, rehome, target } from "./group-drop.js";
import { wirePath } from "./wires.js";

const DRAG_THRESHOLD = 3;

export class Interaction {
  /** @param {object} app the editor context (model, history, canvas, view, actions) */
  constructor(app) {
    this.app = app;
    this.state = null;
    this.spaceHeld = false;
    const el = app.canvas.svg;
    el.addEventListener("pointerdown", (e) => this.down(e));
    el.addEventListener("pointermove", (e) => this.move(e));
    el.addEventListener("pointerup", (e) => this.up(e));
    el.addEventListener("pointercancel", () => this.cancel());
    el.addEventListener("dblclick", (e) => this.dblclick(e));
    el.addEventListener("click", (e) => this.click(e));
    el.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
    el.addEventListener("focusin", (e) => this.focusin(e));
    window.addEventListener("keydown", (e) => {
      if (e.code === "Space" && e.target === document.body) this.spaceHeld = true;
    });
    window.addEventListener("keyup", (e) => {
      if (e.code === "Space") this.spaceHeld = false;
    });
  }

  down(e) {
    const { canvas, view } = this.app;
    if (this.state) this.cancel();
    const target = e.target;
    const at = canvas.toCanvas(e.clientX, e.clientY);
    const start = { cx: e.clientX, cy: e.clientY, at, moved: false };
    if (e.button === 1 || (e.button === 0 && (this.spaceHeld || e.altKey) && !target.closest("[data-node-id]"))) {
      this.begin(e, { kind: "pan", ...start, pan: { ...canvas.pan } });
      return;
    }
    if (e.button !== 0) return;
    if (target.closest("[data-action]")) return;
    const portEl = target.closest("[data-port]");
    const nodeEl = target.closest("[data-node-id]");
    if (portEl && nodeEl && portEl.dataset.port === "in") {
      // Wiring backwards: from an input to an output port.
      const dst = nodeEl.dataset.nodeId;
      const from = canvas.portPoint(dst, "in", 0);
      const path = svg("path", { class: "wire-drag" });
      canvas.overlay.append(path);
      this.begin(e, { kind: "wire-in", ...start, dst, from, path });
      return;
    }
    if (portEl && nodeEl && portEl.dataset.port.startsWith("out:")) {
      const src = nodeEl.dataset.nodeId;
      const port = Number(portEl.dataset.port.slice(4));
      const from = canvas.portPoint(src, "out", port);
      const path = svg("path", { class: "wire-drag" });
      canvas.overlay.append(path);
      this.begin(e, { kind: "wire", ...start, src, port, from, path });
      return;
    }
    if (nodeEl) {
      const id = nodeEl.dataset.nodeId;
      let wasSelected = view.selection.has(id);
      if (e.shiftKey || e.ctrlKey || e.metaKey) {
        if (wasSelected) view.selection.delete(id);
        else view.selection.add(id);
        wasSelected = true;
      } else if (!wasSelected) {
        view.selection.clear();
        view.selection.add(id);
      }
      view.selectedWire = null;
      this.app.selectionChanged();
      this.focusFromPointer(nodeEl);
      const origin = new Map();
      for (const sid of view.selection) {
        const n = this.app.model.get(sid);
        if (n && n.z === view.tab) origin.set(sid, { x: n.x, y: n.y });
      }
      const spliceable = origin.size === 1 && canSplice(this.app.model, id);
      const groups = carriedGroups(this.app.model, origin.keys());
      const toggle = e.shiftKey || e.ctrlKey || e.metaKey;
      const carried = new Set(groups);
      const tops = [...origin.keys(), ...groups].filter((m) => !carried.has(this.app.model.get(m)?.g));
      const drop = plan(this.app.model, tops, groups);
      const leave = leavePlan(this.app.model, [...origin.keys()]);
      this.begin(e, { kind: "move", ...start, id, origin, wasSelected, shift: toggle, spliceable, groups, drop, leave });
      return;
    }
    const wireEl = target.closest("[data-wire]");
    if (wireEl) {
      view.selection.clear();
      view.selectedWire = wireEl.dataset.wire;
      this.app.selectionChanged();
      this.focusFromPointer(wireEl);
      return;
    }
    const groupEl = target.closest("[data-group-id]");
    if (groupEl && !e.shiftKey) {
      const members = groupMembers(this.app.model, groupEl.dataset.groupId);
      view.selection = new Set(members.nodes);
      view.selectedWire = null;
      this.app.selectionChanged();
      this.focusFromPointer(this.app.canvas.groupElement(groupEl.dataset.groupId));
      const drop = plan(this.app.model, [groupEl.dataset.groupId], members.groups);
      this.begin(e, { kind: "group", ...start, members, drop });
      return;
    }
    // ctrl+click on the empty canvas opens quick-add there (Node-RED); ctrl+drag adds a lasso
    const quickAdd = (e.ctrlKey || e.metaKey) && !e.shiftKey;
    if (!e.shiftKey && !quickAdd) view.selection.clear();
    view.selectedWire = null;
    this.app.selectionChanged();
    // Keyboard focus leaves wherever it was (the palette filter too), so Delete acts on the canvas.
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    const rect = svg("rect", { class: "lasso" });
    canvas.overlay.append(rect);
    this.begin(e, { kind: "lasso", ...start, rect, base: new Set(view.selection), quickAdd });
  }

  /**
   * Keyboard focus follows a click (pointerdown's preventDefault would leave it on the item
   * focused before), without the focus-selects-the-node rule: the click already chose.
   */
  focusFromPointer(el) {
    if (!el) return;
    this.pointerFocus = true;
    try {
      el.focus({ preventScroll: true });
    } finally {
      this.pointerFocus = false;
    }
  }

  begin(e, state) {
    this.state = state;
    this.app.canvas.svg.setPointerCapture(e.pointerId);
    e.preventDefault();
  }

  move(e) {
    const s = this.state;
    if (!s) {
      this.hover(e);
      return;
    }
    const { canvas } = this.app;
    const dx = e.clientX - s.cx;
    const dy = e.clientY - s.cy;
    if (!s.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD) return;
    s.moved = true;
    const at = canvas.toCanvas(e.clientX, e.clientY);
    if (s.kind === "pan") {
      canvas.pan = { x: s.pan.x + dx, y: s.pan.y + dy };
      canvas.applyTransform();
    } else if (s.kind === "wire") {
      s.path.setAttribute("d", wirePath(s.from.x, s.from.y, at.x, at.y));
      this.highlightTarget(e, s);
    } else if (s.kind === "wire-in") {
      s.path.setAttribute("d", wirePath(at.x, at.y, s.from.x, s.from.y));
    } else if (s.kind === "move") {
      s.final = new Map();
      for (const [id, o] of s.origin) {
        const p = this.app.snap(id, o.x + dx / canvas.zoom, o.y + dy / canvas.zoom);
        s.final.set(id, p);
        canvas.place(id, p.x, p.y);
      }
      canvas.redrawWiresOf(new Set(s.origin.keys()));
      const lead = s.final.get(s.id);
      const o = s.origin.get(s.id);
      const { drop, travel } = dragPlan(s, e.altKey);
      for (const gid of s.groups) {
        const el = canvas.groupElement(gid);
        if (el && travel.has(gid) && lead && o) el.setAttribute("transform", `translate(${lead.x - o.x} ${lead.y - o.y})`);
        else el?.removeAttribute("transform"); // Alt: the selection leaves the group, which stays
      }
      drawLeaving(canvas, this.app.model, e.altKey ? s.leave : null, this); // and shrinks as it goes
      if (s.spliceable) this.markSplice(wireUnder(e.clientX, e.clientY, s.id));
      this.markDrop(drop, at, e.altKey);
    } else if (s.kind === "group") {
      s.delta = groupDelta(dx, dy, canvas.zoom, this.app.view.snap);
      for (const id of s.members.nodes) {
        const n = this.app.model.get(id);
        canvas.place(id, n.x + s.delta.x, n.y + s.delta.y);
      }
      for (const gid of s.members.groups) canvas.groupElement(gid)?.setAttribute("transform", `translate(${s.delta.x} ${s.delta.y})`);
      canvas.redrawWiresOf(new Set(s.members.nodes));
      this.markDrop(s.drop, at, e.altKey);
    } else if (s.kind === "lasso") {
      const x0 = Math.min(s.at.x, at.x);
      const y0 = Math.min(s.at.y, at.y);
      const x1 = Math.max(s.at.x, at.x);
      const y1 = Math.max(s.at.y, at.y);
      for (const [k, v] of Object.entries({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 })) s.rect.setAttribute(k, v);
      s.box = [x0, y0, x1, y1];
    }
  }

  up(e) {
    const s = this.state;
    if (!s) return;
    this.state = null;
    const { model, history, view } = this.app;
    markTarget(this.app.canvas, this, null);
    drawLeaving(this.app.canvas, model, null, this);
    const { drop, travel } = s.kind === "move" ? dragPlan(s, e.altKey) : { drop: s.drop, travel: null };
    const into = drop && s.moved ? target(model, drop, view.tab, this.app.canvas.toCanvas(e.clientX, e.clientY), e.altKey) : null;
    if (s.kind === "wire") {
      s.path.remove();
      this.clearHighlight();
      const dst = this.portUnder(e.clientX, e.clientY);
      if (dst) {
        const problem = model.wireProblem(s.src, s.port, dst);
        if (problem) this.app.say(`Cannot wire: ${problem}`, true);
        else history.run("wire", () => model.connect(s.src, s.port, dst));
      } else if (s.moved && this.app.editing?.ports.dropWire(e.clientX, e.clientY, s.src, s.port)) {
        // released on a subflow output or status marker: wired to it
      } else if (s.moved && !this.overNode(e.clientX, e.clientY)) {
        // Released on empty canvas: offer the quick-add search, wired to this output.
        this.app.quickAdd.open(e.clientX, e.clientY, { src: s.src, port: s.port });
      }
    } else if (s.kind === "wire-in") {
      s.path.remove();
      const out = this.outPortUnder(e.clientX, e.clientY);
      if (out) {
        const problem = model.wireProblem(out.src, out.port, s.dst);
        if (problem) this.app.say(`Cannot wire: ${problem}`, true);
        else history.run("wire", () => model.connect(out.src, out.port, s.dst));
      }
    } else if (s.kind === "move") {
      const wire = s.spliceable && s.moved ? wireUnder(e.clientX, e.clientY, s.id) : null;
      this.markSplice(null);
      if (s.moved && s.final) {
        const moves = [...s.final].map(([id, p]) => ({ id, x: p.x, y: p.y }));
        const lead = s.final.get(s.id);
        const o = s.origin.get(s.id);
        if (lead && o) {
          // The groups whose every member moved go along (by the dragged node's delta).
          for (const gid of travel) {
            const g = model.get(gid);
            if (g) moves.push({ id: gid, x: g.x + lead.x - o.x, y: g.y + lead.y - o.y });
          }
        }
        history.run(wire ? "splice" : "move", () => {
          rehome(model, drop, into, e.altKey, moves);
          if (wire) splice(model, s.id, wire);
        });
      } else if (!s.moved && s.wasSelected && !s.shift && view.selection.size > 1) {
        view.selection.clear();
        view.selection.add(s.id);
        this.app.selectionChanged();
      }
    } else if (s.kind === "group") {
      if (s.moved && s.delta && (s.delta.x || s.delta.y)) {
        const { nodes, groups } = s.members;
        const moves = [...nodes, ...groups].map((id) => {
          const o = model.get(id);
          return { id, x: o.x + s.delta.x, y: o.y + s.delta.y };
        });
        history.run("move", () => {
          rehome(model, s.drop, into, e.altKey, moves); // Alt: a nested group leaves the one around it
        });
      } else this.app.render();
    } else if (s.kind === "lasso") {
      s.rect.remove();
      if (!s.moved && s.quickAdd) this.app.quickAdd.open(e.clientX, e.clientY);
      else if (s.box) {
        view.selection = new Set([...s.base, ...this.app.canvas.nodesIn(...s.box)]);
        this.app.selectionChanged();
      }
    }
  }

  cancel() {
    const s = this.state;
    this.state = null;
    if (!s) return;
    if (s.path) s.path.remove();
    if (s.rect) s.rect.remove();
    this.clearHighlight();
    this.markSplice(null);
    markTarget(this.app.canvas, this, null);
    drawLeaving(this.app.canvas, this.app.model, null, this);
    this.app.render();
  }

  /** The node id of the input port under a client point, if any. */
  portUnder(x, y) {
    for (const el of document.elementsFromPoint(x, y)) {
      const nodeEl = el.closest && el.closest("[data-node-id]");
      if (!nodeEl) continue;
      if (el.closest("[data-port='in']") || !el.closest("[data-port]")) {
        // Dropping on the node body is accepted too, as Node-RED does.
        if (nodeEl.querySelector("[data-port='in']")) return nodeEl.dataset.nodeId;
      }
      return null;
    }
    return null;
  }

  /** {src, port} of the output port under a client point, if any. */
  outPortUnder(x, y) {
    for (const el of document.elementsFromPoint(x, y)) {
      const portEl = el.closest && el.closest("[data-port^='out:']");
      if (portEl) return { src: portEl.closest("[data-node-id]").dataset.nodeId, port: Number(portEl.dataset.port.slice(4)) };
    }
    return null;
  }

  highlightTarget(e, s) {
    this.clearHighlight();
    const id = this.portUnder(e.clientX, e.clientY);
    if (!id || this.app.model.wireProblem(s.src, s.port, id)) return;
    const port = this.app.canvas.nodeElement(id).querySelector("[data-port='in']");
    port.classList.add("port-target");
    this.highlighted = port;
  }

  /** Highlight the wire a dragged node would be spliced into (null clears). */
  markSplice(wire) {
    if (this.spliceEl && this.spliceEl !== wire?.el) this.spliceEl.classList.remove("splice-target");
    this.spliceEl = wire ? wire.el : null;
    if (this.spliceEl) this.spliceEl.classList.add("splice-target");
  }

  /** Highlight the group a drop (plan `p`) at `at` would put the dragged nodes into (group-drop.js). */
  markDrop(p, at, alt) {
    const gid = target(this.app.model, p, this.app.view.tab, at, alt);
    markTarget(this.app.canvas, this, gid && gid !== p?.parent ? gid : null);
  }

  clearHighlight() {
    if (this.highlighted) this.highlighted.classList.remove("port-target");
    this.highlighted = null;
  }

  hover() {}

  /**
   * Keyboard focus on a node selects it (so arrows, Delete and copy act on what has focus),
   * unless several nodes were gathered with Space, which keeps that selection.
   */
  focusin(e) {
    if (this.pointerFocus) return;
    if (e.target.matches && e.target.matches(":focus-visible")) bringIntoView(this.app.canvas, e.target);
    const nodeEl = e.target.matches && e.target.matches("[data-node-id]") ? e.target : null;
    if (!nodeEl || this.app.view.selection.has(nodeEl.dataset.nodeId) || this.app.view.selection.size > 1) return;
    this.app.view.selection = new Set([nodeEl.dataset.nodeId]);
    this.app.view.selectedWire = null;
    this.app.selectionChanged();
  }

  click(e) {
    const action = e.target.closest("[data-action]");
    const nodeEl = e.target.closest("[data-node-id]");
    if (action && nodeEl) {
      e.stopPropagation();
      this.app.nodeAction(action.dataset.action, nodeEl.dataset.nodeId);
    }
  }

  dblclick(e) {
    // Pointer capture retargets clicks to the canvas: look at what is under the pointer.
    const hit = document.elementFromPoint(e.clientX, e.clientY) || e.target;
    if (hit.closest("[data-action]")) return;
    const nodeEl = hit.closest("[data-node-id]");
    const groupEl = hit.closest("[data-group-id]");
    if (nodeEl) this.app.openInspector(nodeEl.dataset.nodeId);
    else if (groupEl && this.app.editing) this.app.editing.edit.editGroup(groupEl.dataset.groupId); // as Node-RED
    else if (!hit.closest("[data-wire]")) this.app.quickAdd.open(e.clientX, e.clientY);
  }

  overNode(x, y) {
    return document.elementsFromPoint(x, y).some((el) => el.closest && el.closest("[data-node-id]"));
  }

  wheel(e) {
    e.preventDefault();
    const { canvas } = this.app;
    if (e.ctrlKey || e.metaKey) canvas.zoomTo(canvas.zoom * Math.exp(-e.deltaY * 0.002), e.clientX, e.clientY);
    else canvas.panBy(-e.deltaX, -e.deltaY);
  }
}
