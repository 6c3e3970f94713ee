// Node geometry, port positions and wire paths (Node-RED-like curves, loops below for back wires).

import { svg } from "./dom.js";

export const GRID = 20;
const PORT_GAP = 20;
/** Longer labels are cut with an ellipsis on the canvas (the full text is the node's tooltip). */
export const MAX_LABEL = 64;

/** Width and height of a node box, from its label and port count. */
export function nodeSize(label, outputs, hasButton) {
  const text = Math.min(label.length, MAX_LABEL) * 7;
  const width = Math.max(100, Math.ceil((text + 52 + (hasButton ? 4 : 0)) / GRID) * GRID);
  const height = Math.max(30, outputs * PORT_GAP + 10);
  return { width, height };
}

/** Port centre relative to the node's top-left corner. */
export function portOffset(size, kind, index, outputs) {
  if (kind === "in") return { x: 0, y: size.height / 2 };
  const top = (size.height - outputs * PORT_GAP) / 2;
  return { x: size.width, y: top + PORT_GAP / 2 + PORT_GAP * index };
}

/**
 * SVG path data of a wire from an output port (sx, sy) to an input port (ex, ey). Forward wires
 * are cubic curves whose bend grows with distance; wires running backwards leave to the right,
 * pass below both nodes and come back into the input from the left.
 */
export function wirePath(sx, sy, ex, ey, srcHeight = 30, dstHeight = 30) {
  const dx = ex - sx;
  const dy = ey - sy;
  if (dx >= 0) {
    const reach = Math.max(dx, 0);
    let bend = Math.max(reach * 0.5, 40);
    if (reach < 120) bend = Math.max(bend, Math.min(Math.abs(dy) * 0.4, 80));
    return `M ${sx} ${sy} C ${sx + bend} ${sy} ${ex - bend} ${ey} ${ex} ${ey}`;
  }
  const r = 25;
  // Far apart vertically: run back between the two nodes; otherwise loop below both.
  const gap = (srcHeight + dstHeight) / 2 + 2 * r;
  const back = Math.abs(dy) > gap ? (sy + ey) / 2 : Math.max(sy + srcHeight / 2, ey + dstHeight / 2) + r;
  return (
    `M ${sx} ${sy} C ${sx + r * 1.6} ${sy} ${sx + r * 1.6} ${back} ${sx} ${back} ` +
    `L ${ex} ${back} C ${ex - r * 1.6} ${back} ${ex - r * 1.6} ${ey} ${ex} ${ey}`
  );
}

export function wireKey(src, port, dst) {
  return `${src}:${port}->${dst}`;
}

/** A wire element: a wide invisible stroke for hits plus the visible line. */
export function buildWire(key, label) {
  return svg("g", {
    class: "wire",
    "data-wire": key,
    tabindex: "0",
    role: "button",
    "aria-label": label,
  }, [svg("path", { class: "wire-hit" }), svg("path", { class: "wire-line" })]);
}

export function setWirePath(el, d) {
  for (const p of el.children) p.setAttribute("d", d);
}
