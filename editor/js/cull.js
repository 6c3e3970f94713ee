// Viewport culling for big flows: nodes and wires far outside the visible area are hidden with
// display:none (they stay in the DOM, so ids and test hooks are unchanged). Small flows are
// never culled. A hidden element cannot take focus, so Tab on the canvas walks every focusable
// item (group, wire, node, node button) in document order itself: the next one is panned into
// view (which draws it) before it gets focus, so keyboard users reach every node of any size.

const MIN_NODES = 300;
const MARGIN = 300; // screen pixels kept drawn around the visible area

/** Show what is in (or near) view, hide the rest; cheap enough to run on every pan/zoom step. */
export function cull(canvas) {
  const { nodeEls, wireEls, layouts } = canvas;
  const active = nodeEls.size >= MIN_NODES;
  if (!active && !canvas.culled) return;
  canvas.culled = active;
  const r = canvas.viewSize();
  const z = canvas.zoom;
  const x0 = (-MARGIN - canvas.pan.x) / z;
  const y0 = (-MARGIN - canvas.pan.y) / z;
  const x1 = (r.width + MARGIN - canvas.pan.x) / z;
  const y1 = (r.height + MARGIN - canvas.pan.y) / z;
  const focused = document.activeElement;
  const inView = (l, t, rt, b) => !active || (l < x1 && rt > x0 && t < y1 && b > y0);
  for (const [id, entry] of nodeEls) {
    const size = layouts.get(id)?.size;
    if (!size || entry.x === undefined) continue;
    const show = inView(entry.x - size.width / 2 - 30, entry.y - size.height / 2, entry.x + size.width / 2 + 30, entry.y + size.height / 2 + 30);
    setShown(entry, entry.el, show || entry.el.contains(focused));
  }
  for (const w of wireEls.values()) {
    const a = nodeEls.get(w.src);
    const b = nodeEls.get(w.dst);
    if (!a || !b) continue;
    const show = inView(Math.min(a.x, b.x) - 150, Math.min(a.y, b.y) - 60, Math.max(a.x, b.x) + 150, Math.max(a.y, b.y) + 60);
    setShown(w, w.el, show || w.el === focused);
  }
}

function setShown(record, el, show) {
  if (record.culled === !show) return;
  record.culled = !show;
  el.style.display = show ? "" : "none";
}

/** The canvas point an item (node, node button, wire, group box) is drawn around, or null. */
function anchorOf(canvas, el) {
  const nodeEl = el.closest("[data-node-id]");
  if (nodeEl) {
    const entry = canvas.nodeEls.get(nodeEl.dataset.nodeId);
    return entry && entry.x !== undefined ? { x: entry.x, y: entry.y } : null;
  }
  const wire = el.closest("[data-wire]");
  if (wire) {
    const w = canvas.wireEls.get(wire.dataset.wire);
    const a = w && canvas.nodeEls.get(w.src);
    const b = w && canvas.nodeEls.get(w.dst);
    return a && b ? { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } : null;
  }
  const group = el.closest("[data-group-id]");
  const g = group && canvas.app.model.get(group.dataset.groupId);
  return g && typeof g.x === "number" ? { x: g.x + Math.min(g.w || 0, 300) / 2, y: g.y + Math.min(g.h || 0, 200) / 2 } : null;
}

/** Pan (only when it is outside the visible area) so that `el` is in the middle of the view. */
export function bringIntoView(canvas, el) {
  const at = anchorOf(canvas, el);
  if (!at) return;
  const r = canvas.svg.getBoundingClientRect();
  const sx = at.x * canvas.zoom + canvas.pan.x;
  const sy = at.y * canvas.zoom + canvas.pan.y;
  const mx = Math.min(120, r.width / 4);
  const my = Math.min(60, r.height / 4);
  if (sx >= mx && sx <= r.width - mx && sy >= my && sy <= r.height - my) return;
  canvas.pan = { x: Math.round(r.width / 2 - at.x * canvas.zoom), y: Math.round(r.height / 2 - at.y * canvas.zoom) };
  canvas.applyTransform();
}

/**
 * Tab / Shift+Tab from `from` (a focusable item of the canvas): pan the next item into view and
 * focus it. Returns false when `from` is the first/last item, so the browser moves focus out.
 */
export function tabStep(canvas, from, backwards) {
  const items = [...canvas.svg.querySelectorAll("[tabindex='0']")];
  const i = items.indexOf(from);
  const next = i < 0 ? null : items[i + (backwards ? -1 : 1)];
  if (!next) return false;
  focusItem(canvas, next);
  return true;
}

/** Pan `el` into view when it is outside it, draw it if it was culled, and focus it. */
export function focusItem(canvas, el) {
  bringIntoView(canvas, el);
  setShownNow(canvas, el);
  el.focus({ preventScroll: true });
}

/** Draw a culled item right away (its bounding box may be just outside the culling margin). */
function setShownNow(canvas, el) {
  const nodeEl = el.closest("[data-node-id]");
  const wire = el.closest("[data-wire]");
  const record = nodeEl ? canvas.nodeEls.get(nodeEl.dataset.nodeId) : wire ? canvas.wireEls.get(wire.dataset.wire) : null;
  if (record) setShown(record, record.el, true);
}
