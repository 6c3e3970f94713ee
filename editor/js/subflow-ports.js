// Inside a subflow definition: its input, output and status ports drawn as markers, wired the
// way Node-RED does it: drag from the input marker's knob to a node, from a node's output onto an
// output (or status) marker, or from that marker's knob back to a node's output; drag a marker's
// body to move it. The subflow dialog offers the same wiring by keyboard.

import { svg } from "./dom.js";
import { wirePath } from "./wires.js";

/** Draw the port markers and their wires of the subflow shown on `canvas` (if one is). */
export function drawSubflowPorts(canvas) {
  const layer = canvas.portLayer;
  while (layer.firstChild) layer.firstChild.remove();
  const sf = canvas.app.model.get(canvas.app.view.tab);
  if (!sf || sf.type !== "subflow") return;
  const marker = (key, p, text, knobX) => {
    const label = svg("text", { class: "subflow-port-label", x: 0, y: 4, "text-anchor": "middle" });
    label.textContent = text;
    layer.append(svg("g", { class: "subflow-port-marker", "data-subflow-port": key, transform: `translate(${p.x} ${p.y})` }, [
      svg("rect", { class: "subflow-port", x: -20, y: -15, width: 40, height: 30, rx: 5, ry: 5 }),
      label,
      svg("rect", { class: "subflow-knob port-box", "data-subflow-knob": "", x: knobX - 5, y: -5, width: 10, height: 10, rx: 3, ry: 3 }),
    ]));
  };
  const line = (key, a, b) => layer.append(svg("path", { class: "wire-line subflow-wire", "data-subflow-wire": key, d: wirePath(a.x, a.y, b.x, b.y) }));
  (sf.in || []).forEach((p, i) => {
    marker(`in:${i}`, p, `in ${i + 1}`, 20);
    for (const w of p.wires || []) if (canvas.nodeEls.has(w.id)) line(`in:${i}->${w.id}`, { x: p.x + 20, y: p.y }, canvas.portPoint(w.id, "in", 0));
  });
  const outs = [...(sf.out || []).map((p, i) => [`out:${i}`, p, `out ${i + 1}`]), ...(sf.status ? [["status", sf.status, "status"]] : [])];
  for (const [key, p, text] of outs) {
    marker(key, p, text, -20);
    for (const w of p.wires || []) {
      const from = w.id === sf.id ? (sf.in || [])[0] && { x: sf.in[0].x + 20, y: sf.in[0].y } : canvas.nodeEls.has(w.id) ? canvas.portPoint(w.id, "out", w.port || 0) : null;
      if (from) line(`${w.id}:${w.port || 0}->${key}`, from, { x: p.x - 20, y: p.y });
    }
  }
}

/** The port object of subflow `sf` a marker key names ("in:0", "out:2", "status"). */
function portOf(sf, key) {
  if (key === "status") return sf.status;
  const [kind, i] = key.split(":");
  return (kind === "in" ? sf.in : sf.out || [])[Number(i)];
}

export class SubflowPorts {
  constructor(app) {
    this.app = app;
    app.canvas.portLayer.addEventListener("pointerdown", (e) => this.down(e));
  }

  subflow() {
    const sf = this.app.model.get(this.app.view.tab);
    return sf && sf.type === "subflow" ? sf : null;
  }

  down(e) {
    const markerEl = e.target.closest("[data-subflow-port]");
    const sf = this.subflow();
    if (!markerEl || !sf || e.button !== 0) return;
    e.stopPropagation(); // not a lasso: the canvas's own handler does not see it
    e.preventDefault();
    const key = markerEl.dataset.subflowPort;
    const port = portOf(sf, key);
    const { canvas } = this.app;
    const start = canvas.toCanvas(e.clientX, e.clientY);
    const knob = e.target.closest("[data-subflow-knob]");
    const path = knob ? svg("path", { class: "wire-drag" }) : null;
    if (path) canvas.overlay.append(path);
    let moved = false;
    const move = (ev) => {
      const at = canvas.toCanvas(ev.clientX, ev.clientY);
      moved = moved || Math.hypot(at.x - start.x, at.y - start.y) > 3;
      if (path && key.startsWith("in")) path.setAttribute("d", wirePath(port.x + 20, port.y, at.x, at.y));
      else if (path) path.setAttribute("d", wirePath(at.x, at.y, port.x - 20, port.y));
      else markerEl.setAttribute("transform", `translate(${port.x + at.x - start.x} ${port.y + at.y - start.y})`);
    };
    const up = (ev) => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      if (path) path.remove();
      const at = canvas.toCanvas(ev.clientX, ev.clientY);
      if (!path && moved) this.moveMarker(sf.id, key, Math.round(port.x + at.x - start.x), Math.round(port.y + at.y - start.y));
      else if (path && key.startsWith("in")) {
        const dst = this.app.interaction.portUnder(ev.clientX, ev.clientY);
        if (dst) this.connect(sf.id, key, { id: dst });
      } else if (path) {
        const out = this.app.interaction.outPortUnder(ev.clientX, ev.clientY);
        if (out) this.connect(sf.id, key, { id: out.src, port: out.port });
      }
      this.app.render();
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  }

  /** A node output released on an output or status marker wires it there; true when it did. */
  dropWire(clientX, clientY, src, port) {
    const sf = this.subflow();
    if (!sf) return false;
    for (const el of document.elementsFromPoint(clientX, clientY)) {
      const markerEl = el.closest && el.closest("[data-subflow-port]");
      if (!markerEl || markerEl.dataset.subflowPort.startsWith("in")) continue;
      this.connect(sf.id, markerEl.dataset.subflowPort, { id: src, port });
      return true;
    }
    return false;
  }

  connect(sfId, key, wire) {
    const { app } = this;
    const sf = app.model.get(sfId);
    const port = portOf(sf, key);
    if (!port) return;
    const inner = app.model.get(wire.id);
    if (!inner || inner.z !== sfId) return;
    if (key.startsWith("in") && app.model.inputsOf(inner) < 1) return app.say("Cannot wire: the node has no input", true);
    const same = (w) => w.id === wire.id && (w.port || 0) === (wire.port || 0);
    if ((port.wires || []).some(same)) return;
    app.history.run("wire subflow port", () => {
      port.wires = [...(port.wires || []), wire];
      app.model._changed("update", [sfId]);
    });
    app.say(`Wired ${key.replace(":", " ")} of the subflow`);
  }

  moveMarker(sfId, key, x, y) {
    const { app } = this;
    app.history.run("move port", () => {
      Object.assign(portOf(app.model.get(sfId), key), { x, y });
      app.model._changed("update", [sfId]);
    });
  }
}
