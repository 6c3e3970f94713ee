// SVG for one node: body, label, ports, buttons (inject, debug toggle), badges and status.

import { svg } from "./dom.js";
import { glyphFor } from "./icons.js";
import { portLabel } from "./labels.js";
import { MAX_LABEL, nodeSize, portOffset } from "./wires.js";

const ICON_W = 26;

const STATUS_COLORS = { red: "#c00", green: "#5a8", yellow: "#F9DF31", blue: "#53A3F3", grey: "#999" };

/** Which on-node button a type has, if any. */
export function buttonOf(node) {
  if (node.type === "inject") return "inject";
  if (node.type === "debug") return "debug-toggle";
  return null;
}

/** Geometry of a node as drawn: size and ports. */
export function layoutOf(model, node) {
  const outputs = model.outputsOf(node);
  const inputs = model.inputsOf(node);
  const label = model.labelOf(node);
  const size = node.type === "junction" ? { width: 10, height: 10 } : nodeSize(label, outputs, buttonOf(node));
  return { size, outputs, inputs, label };
}

// Nodes of one shape (type, colour, size, ports, button) differ only in their id and texts: each
// shape is built once and cloned, several times cheaper than building ~20 elements a node.
const shapes = new Map();
const MAX_SHAPES = 500;

/** The template and texts of a node's shape. */
function prepare(model, node, layout = layoutOf(model, node)) {
  const { size, outputs, inputs, label } = layout;
  const def = model.def(node);
  const sf = model.subflowOf(node);
  const known = Boolean(def || sf || node.type === "junction");
  const shape = {
    cls: `node${known ? "" : " node-unknown"}${node.d ? " node-disabled" : ""}${sf ? " node-subflow" : ""}`,
    type: node.type,
    color: (sf && sf.color) || (def && def.color) || "#ddd",
    glyph: node.type === "junction" ? null : glyphFor(node.type, sf || def, Boolean(sf)),
    size, inputs, outputs,
    button: buttonOf(node),
    active: node.active !== false,
  };
  const key = JSON.stringify(shape);
  let template = shapes.get(key);
  if (!template) {
    if (shapes.size >= MAX_SHAPES) shapes.clear();
    template = buildShape(shape);
    shapes.set(key, template);
  }
  const typeLabel = sf ? `subflow ${sf.name || sf.id}` : (def && def.label) || node.type;
  return { template, label, sf, inputs, outputs, typeLabel };
}

/**
 * Build the <g> for a node. Text is only ever set through textContent. A `parked` node is only
 * its outer <g> (id, type, class, aria label): culling draws it far outside the view, and
 * fillNode() adds its body, label, ports and badges when it first comes near. `layout` is
 * layoutOf(model, node) when the caller has it already.
 */
export function buildNode(model, node, parked = false, layout = undefined) {
  const p = prepare(model, node, layout);
  const g = p.template.cloneNode(false);
  g.setAttribute("data-node-id", node.id);
  const { inputs, outputs } = p;
  g.setAttribute("aria-label", `${p.typeLabel} node ${p.label}, ${inputs} input${inputs === 1 ? "" : "s"}, ${outputs} output${outputs === 1 ? "" : "s"}`);
  if (!parked) fill(g, p, node);
  return g;
}

/** Give a parked node (see buildNode) everything else a drawn node has. */
export function fillNode(model, node, g) {
  fill(g, prepare(model, node), node);
}

function fill(g, { template, label, sf }, node) {
  for (const child of template.children) g.append(child.cloneNode(true));
  const text = g.querySelector(":scope > .node-label");
  if (text) {
    text.textContent = label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label;
    text.nextElementSibling.textContent = label;
  }
  for (const el of g.querySelectorAll(":scope > .port")) {
    const name = el.dataset.port;
    const tip = name === "in" ? portLabel(node, "in", 0, sf) : portLabel(node, "out", Number(name.slice(4)), sf);
    if (!tip) continue;
    // shown on hover, as Node-RED's port label tooltip
    const title = svg("title");
    title.textContent = tip;
    el.append(title);
    el.dataset.portLabel = tip;
  }
}

/** The elements of a node of one shape, without its id and texts; status empty, no problems. */
function buildShape({ cls, type, color, glyph, size, inputs, outputs, button, active }) {
  const g = svg("g", { class: cls, "data-node-type": type, tabindex: "0", role: "button" });
  g.append(svg("rect", { class: "node-body", width: size.width, height: size.height, rx: 5, ry: 5, fill: color }));
  if (glyph !== null) {
    g.append(iconArea(glyph, size.height));
    g.append(svg("text", { class: "node-label", x: ICON_W + 8, y: size.height / 2, "dominant-baseline": "central" }), svg("title"));
  }
  if (inputs > 0) g.append(port("in", portOffset(size, "in", 0, outputs)));
  for (let i = 0; i < outputs; i++) g.append(port(`out:${i}`, portOffset(size, "out", i, outputs)));
  if (button) g.append(nodeButton(button, active, size));
  g.append(badge("node-changed", size.width - 8, 0, "changed since the last deploy"));
  const err = badge("node-error", 8, 0, "");
  err.setAttribute("data-node-error", "");
  g.append(err);
  const status = svg("g", { class: "node-status", "data-node-status": "", transform: `translate(4 ${size.height + 6})` }, [
    svg("rect", { class: "status-shape", width: 9, height: 9, rx: 2, ry: 2, y: -4.5 }),
    svg("text", { class: "status-text", x: 14, "dominant-baseline": "central" }),
  ]);
  g.append(status);
  applyStatus(g, null);
  applyProblems(g, null);
  return g;
}

/** The darker strip at the node's left with its glyph. */
function iconArea(d, height) {
  const r = 5;
  const strip = svg("path", {
    class: "node-icon-bg",
    d: `M ${r} 0 H ${ICON_W} V ${height} H ${r} A ${r} ${r} 0 0 1 0 ${height - r} V ${r} A ${r} ${r} 0 0 1 ${r} 0 Z`,
  });
  const glyph = svg("path", { class: "node-icon", d, transform: `translate(3 ${height / 2 - 10})` });
  return svg("g", { class: "node-icon-area", "aria-hidden": "true" }, [strip, glyph]);
}

function port(name, at) {
  const kind = name === "in" ? "in" : "out";
  return svg("g", { class: `port port-${kind}`, "data-port": name, transform: `translate(${at.x} ${at.y})` }, [
    svg("rect", { class: "port-hit", x: -10, y: -10, width: 20, height: 20 }),
    svg("rect", { class: "port-box", x: -5, y: -5, width: 10, height: 10, rx: 3, ry: 3 }),
  ]);
}

function nodeButton(kind, active, size) {
  const inject = kind === "inject";
  const x = inject ? -22 : size.width + 4;
  const el = svg("g", {
    class: `node-button node-button-${kind}${!inject && !active ? " inactive" : ""}`,
    "data-action": kind,
    role: "button",
    tabindex: "0",
    "aria-label": inject ? "inject now" : active ? "disable debug output" : "enable debug output",
    transform: `translate(${x} ${size.height / 2 - 10})`,
  }, [svg("rect", { width: 18, height: 20, rx: 4, ry: 4 }), svg("rect", { class: "node-button-mark", x: 5, y: 5, width: 8, height: 10, rx: 2 })]);
  if (!inject) el.setAttribute("aria-pressed", String(active));
  return el;
}

function badge(cls, x, y, title) {
  const t = svg("title");
  t.textContent = title;
  const shape = cls === "node-error"
    ? svg("path", { d: "M 0 -7 L 7 6 L -7 6 Z" })
    : svg("circle", { r: 4 });
  return svg("g", { class: `badge ${cls}`, transform: `translate(${x} ${y})` }, [shape, t]);
}

/** Show a node status {fill, shape, text} under the node (empty status hides it). */
export function applyStatus(g, status) {
  const el = g.querySelector("[data-node-status]");
  if (!el) return;
  const s = status || {};
  const text = s.text === undefined || s.text === null ? "" : String(s.text);
  el.querySelector(".status-text").textContent = text;
  const shape = el.querySelector(".status-shape");
  const fill = STATUS_COLORS[s.fill] || null;
  shape.style.display = fill ? "" : "none";
  if (fill) {
    shape.setAttribute("fill", s.shape === "ring" ? "#fff" : fill);
    shape.setAttribute("stroke", fill);
  }
  el.classList.toggle("empty", !text && !fill);
}

/** Mark a node as invalid (problems = [{property, message}]) or valid (empty list). */
export function applyProblems(g, problems) {
  const invalid = Boolean(problems && problems.length > 0);
  g.classList.toggle("invalid", invalid);
  const title = g.querySelector(".node-error title");
  const text = invalid ? problems.map((p) => (p.property ? `${p.property}: ${p.message}` : p.message)).join("\n") : "";
  if (title) title.textContent = text;
  if (invalid) g.setAttribute("aria-invalid", "true");
  else g.removeAttribute("aria-invalid");
  g.setAttribute("aria-description", invalid ? `invalid: ${text}` : "");
}
