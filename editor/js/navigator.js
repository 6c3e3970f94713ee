// The navigator: a minimap of the current tab (toggled by [data-action="navigator"] in the view
// controls) with the visible area as a frame; click or drag on it to move the view there. Drawn
// only while open, so large flows pay nothing for it otherwise.

import { h, svg } from "./dom.js";

const W = 200;
const H = 130;

export class Navigator {
  constructor(app) {
    this.app = app;
    this.el = null;
    this.button = h("button", {
      type: "button", "data-action": "navigator", "aria-pressed": "false", "aria-label": "Navigator (minimap)",
      title: "Navigator: a map of the whole flow", text: "map", onclick: () => this.toggle(),
    });
    document.querySelector("#workspace .view-controls").prepend(this.button);
    app.model.onChange(() => {
      this.dirty = true;
    });
  }

  toggle() {
    if (this.el) this.close();
    else this.open();
  }

  open() {
    this.map = svg("svg", { width: W, height: H, class: "navigator-map", "aria-hidden": "true" });
    this.el = h("div", { id: "navigator", role: "region", "aria-label": "Navigator" }, [this.map]);
    document.getElementById("workspace").append(this.el);
    this.button.setAttribute("aria-pressed", "true");
    this.el.addEventListener("pointerdown", (e) => {
      this.el.setPointerCapture(e.pointerId);
      this.moveTo(e);
      const move = (ev) => this.moveTo(ev);
      const up = () => {
        this.el.removeEventListener("pointermove", move);
        this.el.removeEventListener("pointerup", up);
      };
      this.el.addEventListener("pointermove", move);
      this.el.addEventListener("pointerup", up);
      e.preventDefault();
    });
    this.last = "";
    this.dirty = true;
    const tick = () => {
      if (!this.el) return;
      this.draw();
      this.frame = requestAnimationFrame(tick);
    };
    tick();
  }

  close() {
    cancelAnimationFrame(this.frame);
    if (this.el) this.el.remove();
    this.el = null;
    this.button.setAttribute("aria-pressed", "false");
  }

  /** The canvas area the map shows: the content and the visible area together. */
  extent() {
    const { canvas } = this.app;
    const r = canvas.svg.getBoundingClientRect();
    const view = { x0: -canvas.pan.x / canvas.zoom, y0: -canvas.pan.y / canvas.zoom, x1: (r.width - canvas.pan.x) / canvas.zoom, y1: (r.height - canvas.pan.y) / canvas.zoom };
    const box = canvas.contentBox() || view;
    const x0 = Math.min(box.x0, view.x0) - 40;
    const y0 = Math.min(box.y0, view.y0) - 40;
    const x1 = Math.max(box.x1, view.x1) + 40;
    const y1 = Math.max(box.y1, view.y1) + 40;
    const scale = Math.min(W / (x1 - x0), H / (y1 - y0));
    return { x0, y0, scale, view };
  }

  draw() {
    const { canvas, view } = this.app;
    const key = `${canvas.pan.x},${canvas.pan.y},${canvas.zoom},${view.tab}`;
    if (!this.dirty && key === this.last) return;
    this.dirty = false;
    this.last = key;
    const ext = this.extent();
    this.ext = ext;
    const at = (x, y) => ({ x: (x - ext.x0) * ext.scale, y: (y - ext.y0) * ext.scale });
    const items = [];
    for (const n of this.app.model.nodesOn(view.tab)) {
      const size = canvas.layouts.get(n.id)?.size || { width: 100, height: 30 };
      const p = at(n.x - size.width / 2, n.y - size.height / 2);
      items.push(svg("rect", { class: "navigator-node", "data-navigator-node": n.id, x: p.x, y: p.y, width: Math.max(2, size.width * ext.scale), height: Math.max(2, size.height * ext.scale) }));
    }
    const v = at(ext.view.x0, ext.view.y0);
    items.push(svg("rect", { class: "navigator-view", x: v.x, y: v.y, width: (ext.view.x1 - ext.view.x0) * ext.scale, height: (ext.view.y1 - ext.view.y0) * ext.scale }));
    this.map.replaceChildren(...items);
  }

  /** Centre the view on the canvas point under the pointer. */
  moveTo(e) {
    if (!this.ext) return;
    const r = this.map.getBoundingClientRect();
    const x = (e.clientX - r.left) / this.ext.scale + this.ext.x0;
    const y = (e.clientY - r.top) / this.ext.scale + this.ext.y0;
    const { canvas } = this.app;
    const s = canvas.svg.getBoundingClientRect();
    canvas.pan = { x: Math.round(s.width / 2 - x * canvas.zoom), y: Math.round(s.height / 2 - y * canvas.zoom) };
    canvas.applyTransform();
  }
}
