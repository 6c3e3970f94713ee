// The SVG workspace: layers, drawing nodes and wires of the current tab, pan/zoom, coordinates.

import { cull, keptBox, nodeKept, showProblems } from "./cull.js";
import { svg } from "./dom.js";
import { applyStatus, buildNode, layoutOf } from "./nodeview.js";
import { drawSubflowPorts } from "./subflow-ports.js";
import { buildWire, GRID, portOffset, setWirePath, wireKey, wirePath } from "./wires.js";

export class Canvas {
  /** @param {HTMLElement} container #workspace  @param {object} app the editor context */
  constructor(container, app) {
    this.app = app;
    this.container = container;
    this.pan = { x: 0, y: 0 };
    this.zoom = 1;
    this.nodeEls = new Map();
    this.wireEls = new Map();
    this.layouts = new Map();
    this.statuses = new Map();
    this.svg = svg("svg", { class: "canvas", "aria-label": "Flow canvas", role: "group" });
    this.viewport = svg("g", { class: "viewport" });
    this.groupLayer = svg("g", { class: "layer-groups" });
    this.groupEls = new Map();
    this.portLayer = svg("g", { class: "layer-subflow-ports" });
    this.wireLayer = svg("g", { class: "layer-wires" });
    this.linkLayer = svg("g", { class: "layer-links", "aria-hidden": "true" });
    this.links = [];
    this.nodeLayer = svg("g", { class: "layer-nodes" });
    this.overlay = svg("g", { class: "layer-overlay" });
    this.viewport.append(this.groupLayer, this.portLayer, this.linkLayer, this.wireLayer, this.nodeLayer, this.overlay);
    this.svg.append(this.viewport);
    container.append(this.svg);
    // The visible size, kept by a ResizeObserver: culling reads it on every render, and asking the
    // SVG for its box there would lay out every freshly built node first (~0.3 s at 1,000 nodes).
    // Read once now, while the canvas is empty: the observer's first report comes with a frame.
    const box = this.svg.getBoundingClientRect();
    this.size = { width: box.width, height: box.height };
    new ResizeObserver(([entry]) => {
      const { width, height } = entry.contentRect;
      this.size = { width, height };
      if (this.nodeEls.size) cull(this);
    }).observe(this.svg);
    this.applyTransform();
  }

  /** Width and height of the visible area in screen pixels. */
  viewSize() {
    return this.size;
  }

  // ---- coordinates ----
  toCanvas(clientX, clientY) {
    const r = this.svg.getBoundingClientRect();
    return { x: (clientX - r.left - this.pan.x) / this.zoom, y: (clientY - r.top - this.pan.y) / this.zoom };
  }

  /** Centre of the visible area in canvas coordinates. */
  centre() {
    const r = this.svg.getBoundingClientRect();
    return this.toCanvas(r.left + r.width / 2, r.top + r.height / 2);
  }

  applyTransform() {
    this.viewport.setAttribute("transform", `translate(${this.pan.x} ${this.pan.y}) scale(${this.zoom})`);
    const size = GRID * this.zoom;
    this.container.style.backgroundSize = `${size}px ${size}px`;
    this.container.style.backgroundPosition = `${this.pan.x}px ${this.pan.y}px`;
    this.container.dataset.zoom = this.zoom.toFixed(2);
    if (this.nodeEls) cull(this);
  }

  panBy(dx, dy) {
    this.pan.x += dx;
    this.pan.y += dy;
    this.applyTransform();
  }

  /** Zoom to `zoom` keeping the client point (cx, cy) still (defaults to the centre). */
  zoomTo(zoom, cx, cy) {
    const z = Math.min(3, Math.max(0.2, zoom));
    const r = this.svg.getBoundingClientRect();
    const px = (cx ?? r.left + r.width / 2) - r.left;
    const py = (cy ?? r.top + r.height / 2) - r.top;
    this.pan.x = px - ((px - this.pan.x) / this.zoom) * z;
    this.pan.y = py - ((py - this.pan.y) / this.zoom) * z;
    this.zoom = z;
    this.applyTransform();
  }

  resetView() {
    this.pan = { x: 0, y: 0 };
    this.zoom = 1;
    this.applyTransform();
  }

  /** Fit every node of the tab into view. */
  zoomToFit() {
    const box = this.contentBox();
    if (!box) return this.resetView();
    // each node by its drawn size (a wide label stays inside), plus room for buttons and ports
    const [x0, x1, y0, y1] = [box.x0 - 40, box.x1 + 40, box.y0 - 30, box.y1 + 40];
    const r = this.svg.getBoundingClientRect();
    this.zoom = Math.min(3, Math.max(0.2, Math.min(r.width / (x1 - x0), r.height / (y1 - y0))));
    this.pan = { x: -x0 * this.zoom, y: -y0 * this.zoom };
    this.applyTransform();
  }

  /** The canvas box around the current tab's nodes (drawn sizes) and groups, or null. */
  contentBox() {
    const { model, view } = this.app;
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const n of model.nodesOn(view.tab)) {
      const { width, height } = (this.layouts.get(n.id) || layoutOf(model, n)).size;
      [x0, y0, x1, y1] = [Math.min(x0, n.x - width / 2), Math.min(y0, n.y - height / 2), Math.max(x1, n.x + width / 2), Math.max(y1, n.y + height / 2)];
    }
    for (const g of model.groupsOn(view.tab)) {
      if (typeof g.x !== "number" || typeof g.w !== "number") continue;
      [x0, y0, x1, y1] = [Math.min(x0, g.x), Math.min(y0, g.y), Math.max(x1, g.x + g.w), Math.max(y1, g.y + g.h)];
    }
    return x0 === Infinity ? null : { x0, y0, x1, y1 };
  }

  // ---- drawing ----
  /** Bring the DOM in line with the model for the current tab (keyed, minimal rebuilds). */
  render() {
    const { model, view } = this.app;
    const nodes = model.nodesOn(view.tab);
    const alive = new Set();
    const changed = new Set(model.changedIds());
    const box = keptBox(this, nodes.length);
    for (const node of nodes) {
      alive.add(node.id);
      const { x, y, ...shape } = node;
      const sig = JSON.stringify(shape) + model.labelOf(node);
      let entry = this.nodeEls.get(node.id);
      if (!entry || entry.sig !== sig) {
        const hadFocus = entry && entry.el.contains(document.activeElement);
        const layout = layoutOf(model, node);
        // far outside the view of a big flow: only the node's outer <g> until it comes near
        const parked = !hadFocus && !nodeKept(box, x, y, layout.size);
        const el = buildNode(model, node, parked, layout);
        if (entry) entry.el.replaceWith(el);
        else this.nodeLayer.append(el);
        entry = { el, sig, problems: undefined, parked }; // a new node is drawn valid, with an empty status
        if (parked) {
          entry.culled = true;
          el.style.display = "none";
        }
        this.nodeEls.set(node.id, entry);
        this.layouts.set(node.id, layout);
        if (!parked && this.statuses.has(node.id)) applyStatus(el, this.statuses.get(node.id));
        if (hadFocus) el.focus();
      }
      this.place(node.id, x, y);
      entry.el.classList.toggle("selected", view.selection.has(node.id));
      entry.el.classList.toggle("changed", changed.has(node.id));
      showProblems(this, node.id, entry);
    }
    for (const [id, entry] of this.nodeEls) {
      if (!alive.has(id)) {
        entry.el.remove();
        this.nodeEls.delete(id);
        this.layouts.delete(id);
      }
    }
    this.renderWires(alive);
    this.renderLinks(alive);
    this.renderGroups();
    this.renderSubflowPorts();
    cull(this);
    if (this.fresh) {
      this.fresh = false;
      this.keepContentVisible();
    }
  }

  place(id, x, y) {
    const entry = this.nodeEls.get(id);
    const layout = this.layouts.get(id);
    if (!entry || !layout) return;
    entry.x = x;
    entry.y = y;
    entry.el.setAttribute("transform", `translate(${x - layout.size.width / 2} ${y - layout.size.height / 2})`);
  }

  portPoint(id, kind, index) {
    const entry = this.nodeEls.get(id);
    const layout = this.layouts.get(id);
    const off = portOffset(layout.size, kind, index, layout.outputs);
    return { x: entry.x - layout.size.width / 2 + off.x, y: entry.y - layout.size.height / 2 + off.y };
  }

  renderWires(alive) {
    const { model, view } = this.app;
    const live = new Set();
    for (const id of alive) {
      const node = model.get(id);
      (node.wires || []).forEach((targets, port) => {
        for (const dst of targets || []) {
          if (!alive.has(dst)) continue;
          const key = wireKey(id, port, dst);
          live.add(key);
          let el = this.wireEls.get(key)?.el;
          if (!el) {
            el = buildWire(key, `wire from ${model.labelOf(node)} output ${port + 1} to ${model.labelOf(model.get(dst))}`);
            this.wireEls.set(key, { el, src: id, port, dst });
            this.wireLayer.append(el);
          }
          el.classList.toggle("selected", view.selectedWire === key);
          this.drawWire(el, id, port, dst);
        }
      });
    }
    for (const [key, { el }] of this.wireEls) {
      if (!live.has(key)) {
        el.remove();
        this.wireEls.delete(key);
      }
    }
  }

  drawWire(el, src, port, dst) {
    const a = this.portPoint(src, "out", port);
    const b = this.portPoint(dst, "in", 0);
    setWirePath(el, wirePath(a.x, a.y, b.x, b.y, this.layouts.get(src).size.height, this.layouts.get(dst).size.height));
  }

  /** Redraw the wires touching the given nodes (during a drag). */
  redrawWiresOf(ids) {
    for (const w of this.wireEls.values()) {
      if (ids.has(w.src) || ids.has(w.dst)) this.drawWire(w.el, w.src, w.port, w.dst);
    }
    for (const l of this.links) if (ids.has(l.src) || ids.has(l.dst)) this.drawLink(l);
  }

  /** Virtual wires (dashed) from link out / link call nodes to the link in nodes of this tab. */
  renderLinks(alive) {
    const { model } = this.app;
    while (this.linkLayer.firstChild) this.linkLayer.firstChild.remove();
    this.links = [];
    for (const id of alive) {
      const node = model.get(id);
      if ((node.type !== "link out" && node.type !== "link call") || !Array.isArray(node.links)) continue;
      for (const dst of node.links) {
        if (!alive.has(dst)) continue;
        const el = svg("path", { class: "link-wire", "data-link": `${id}->${dst}` });
        this.linkLayer.append(el);
        const link = { src: id, dst, el };
        this.links.push(link);
        this.drawLink(link);
      }
    }
  }

  drawLink({ src, dst, el }) {
    const a = this.nodeEls.get(src);
    const b = this.nodeEls.get(dst);
    const la = this.layouts.get(src).size;
    const lb = this.layouts.get(dst).size;
    el.setAttribute("d", wirePath(a.x + la.width / 2, a.y, b.x - lb.width / 2, b.y, la.height, lb.height));
  }

  /**
   * Group boxes, keyed: an unchanged group keeps its element (and so keyboard focus). Each box is
   * focusable; arrows on it move the group with its nodes (keyboard.js).
   */
  renderGroups() {
    const { model, view } = this.app;
    const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest("[data-group-id]");
    const refocus = focused && this.groupLayer.contains(focused) ? focused.dataset.groupId : null;
    const live = new Set();
    for (const g of model.groupsOn(view.tab)) {
      if (typeof g.x !== "number" || typeof g.w !== "number") continue;
      live.add(g.id);
      const style = g.style || {};
      const members = (g.nodes || []).length;
      const sig = JSON.stringify([g.x, g.y, g.w, g.h, g.name, style.fill, style.stroke, style.label, style.color, members]);
      const old = this.groupEls.get(g.id);
      if (old && old.sig === sig) {
        old.el.removeAttribute("transform"); // left by a group drag that was cancelled
        continue;
      }
      const label = svg("text", { class: "group-label", x: g.x + 8, y: g.y + 16 });
      label.textContent = style.label === false ? "" : g.name || "";
      if (typeof style.color === "string") label.style.fill = style.color;
      const title = svg("title");
      title.textContent = `group ${g.name || g.id}: drag to move its nodes`;
      const el = svg("g", {
        class: "group-box", "data-group-id": g.id, tabindex: "0", role: "group",
        "aria-label": `group ${g.name || g.id}, ${members} member${members === 1 ? "" : "s"}; arrows move it`,
      }, [
        svg("rect", {
          class: "group",
          x: g.x, y: g.y, width: g.w, height: g.h, rx: 6, ry: 6,
          fill: typeof style.fill === "string" ? style.fill : "none",
          stroke: typeof style.stroke === "string" ? style.stroke : "#999",
        }),
        label,
        title,
      ]);
      if (old) old.el.replaceWith(el);
      else this.groupLayer.append(el);
      this.groupEls.set(g.id, { el, sig });
    }
    for (const [id, { el }] of this.groupEls) {
      if (live.has(id)) continue;
      el.remove();
      this.groupEls.delete(id);
    }
    if (refocus && this.groupEls.has(refocus) && !this.groupEls.get(refocus).el.contains(document.activeElement)) {
      this.groupEls.get(refocus).el.focus({ preventScroll: true });
    }
  }

  /** The drawn box of a group (during a drag it is translated without touching the model). */
  groupElement(id) {
    return this.groupEls.get(id)?.el || null;
  }

  /** Inside a subflow definition: its input/output port markers and their wires (read-only). */
  renderSubflowPorts() {
    drawSubflowPorts(this);
  }

  /** Drop everything drawn (tab switch, load): the next render() builds it anew. */
  reset() {
    for (const layer of [this.wireLayer, this.linkLayer, this.nodeLayer, this.groupLayer, this.portLayer]) {
      while (layer.firstChild) layer.firstChild.remove();
    }
    this.groupEls.clear();
    this.nodeEls.clear();
    this.wireEls.clear();
    this.layouts.clear();
    this.fresh = true;
  }

  /** Pan so that nodes left of or above the origin (wide labels, imports) are not hidden. */
  keepContentVisible() {
    let left = Infinity;
    let top = Infinity;
    for (const [id, entry] of this.nodeEls) {
      const { width, height } = this.layouts.get(id).size;
      left = Math.min(left, entry.x - width / 2 - 30);
      top = Math.min(top, entry.y - height / 2 - 10);
    }
    if (left === Infinity) return;
    const dx = Math.max(0, -(left * this.zoom + this.pan.x));
    const dy = Math.max(0, -(top * this.zoom + this.pan.y));
    if (dx || dy) this.panBy(dx, dy);
  }

  setStatus(id, status) {
    if (status && Object.keys(status).length) this.statuses.set(id, status);
    else this.statuses.delete(id);
    const entry = this.nodeEls.get(id);
    if (entry && !entry.parked) applyStatus(entry.el, status);
  }

  nodeElement(id) {
    const entry = this.nodeEls.get(id);
    return entry ? entry.el : null;
  }

  /** Ids of nodes whose boxes intersect the canvas rectangle. */
  nodesIn(x0, y0, x1, y1) {
    const out = [];
    for (const [id, entry] of this.nodeEls) {
      const { width, height } = this.layouts.get(id).size;
      const l = entry.x - width / 2;
      const t = entry.y - height / 2;
      if (l < x1 && l + width > x0 && t < y1 && t + height > y0) out.push(id);
    }
    return out;
  }
}
