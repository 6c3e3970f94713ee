// Viewport culling for big flows: nodes and wires far outside the visible area are hidden with
// display:none (they stay in the DOM, so ids and test hooks are unchanged). Small flows are
// never culled, so every node stays reachable with Tab there.

const MIN_NODES = 300;
const MARGIN = 300; // screen pixels kept drawn around the visible area

/** Show what is in (or near) view, hide the rest; cheap enough to run on every pan/zoom step. */
export function cull(canvas) {
  const { nodeEls, wireEls, layouts } = canvas;
  const active = nodeEls.size >= MIN_NODES;
  if (!active && !canvas.culled) return;
  canvas.culled = active;
  const r = canvas.svg.getBoundingClientRect();
  const z = canvas.zoom;
  const x0 = (-MARGIN - canvas.pan.x) / z;
  const y0 = (-MARGIN - canvas.pan.y) / z;
  const x1 = (r.width + MARGIN - canvas.pan.x) / z;
  const y1 = (r.height + MARGIN - canvas.pan.y) / z;
  const inView = (l, t, rt, b) => !active || (l < x1 && rt > x0 && t < y1 && b > y0);
  for (const [id, entry] of nodeEls) {
    const size = layouts.get(id)?.size;
    if (!size || entry.x === undefined) continue;
    const show = inView(entry.x - size.width / 2 - 30, entry.y - size.height / 2, entry.x + size.width / 2 + 30, entry.y + size.height / 2 + 30);
    setShown(entry, entry.el, show);
  }
  for (const w of wireEls.values()) {
    const a = nodeEls.get(w.src);
    const b = nodeEls.get(w.dst);
    if (!a || !b) continue;
    const show = inView(Math.min(a.x, b.x) - 150, Math.min(a.y, b.y) - 60, Math.max(a.x, b.x) + 150, Math.max(a.y, b.y) + 60);
    setShown(w, w.el, show);
  }
}

function setShown(record, el, show) {
  if (record.culled === !show) return;
  record.culled = !show;
  el.style.display = show ? "" : "none";
}
