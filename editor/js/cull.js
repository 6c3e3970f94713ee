// Viewport culling for big flows: nodes and wires far outside the visible area are hidden with
// display:none (they stay in the DOM, so ids and test hooks are unchanged). A node first drawn
// far outside the view is "parked": only its outer <g> (id, type, class, aria label) until it
// comes near; ~20 elements a node kept out of the document make a 1,000-node load ~0.2 s faster.
// Small flows are never culled. A hidden element cannot take focus, so Tab on the canvas walks every focusable
// item (group, wire, node, node button) in document order itself: the next one is panned into
// view (which draws it) before it gets focus, so keyboard users reach every node of any size.

import { applyProblems, applyStatus, fillNode } from "./nodeview.js";

const MIN_NODES = 300;
const MARGIN = 300; // screen pixels kept drawn around the visible area

/** The canvas box drawn around the visible area, or null when `count` nodes are too few to cull. */
export function keptBox(canvas, count) {
  if (count < MIN_NODES) return null;
  const r = canvas.viewSize();
  const z = canvas.zoom;
  return {
    x0: (-MARGIN - canvas.pan.x) / z, y0: (-MARGIN - canvas.pan.y) / z,
    x1: (r.width + MARGIN - canvas.pan.x) / z, y1: (r.height + MARGIN - canvas.pan.y) / z,
  };
}

/** Whether a node drawn at (x, y) with `size` is inside `box` (a null box keeps everything). */
export function nodeKept(box, x, y, size) {
  if (!box) return true;
  const l = x - size.width / 2 - 30;
  const rt = x + size.width / 2 + 30;
  const t = y - size.height / 2;
  const b = y + size.height / 2 + 30;
  return l < box.x1 && rt > box.x0 && t < box.y1 && b > box.y0;
}

/** Show what is in (or near) view, hide the rest; cheap enough to run on every pan/zoom step. */
export function cull(canvas) {
  const { nodeEls, wireEls, layouts } = canvas;
  const box = keptBox(canvas, nodeEls.size);
  if (!box && !canvas.culled) return;
  canvas.culled = Boolean(box);
  const focused = document.activeElement;
  for (const [id, entry] of nodeEls) {
    const size = layouts.get(id)?.size;
    if (!size || entry.x === undefined) continue;
    const show = nodeKept(box, entry.x, entry.y, size) || entry.el.contains(focused);
    if (show && entry.parked) unpark(canvas, id, entry);
    setShown(entry, entry.el, show);
  }
  for (const w of wireEls.values()) {
    const a = nodeEls.get(w.src);
    const b = nodeEls.get(w.dst);
    if (!a || !b) continue;
    const show = !box || (Math.min(a.x, b.x) - 150 < box.x1 && Math.max(a.x, b.x) + 150 > box.x0
      && Math.min(a.y, b.y) - 60 < box.y1 && Math.max(a.y, b.y) + 60 > box.y0);
    setShown(w, w.el, show || w.el === focused);
  }
}

/** Mark a drawn node invalid or valid when its problems changed (a parked node waits). */
export function showProblems(canvas, id, entry) {
  const problems = canvas.app.problems.get(id);
  if (entry.parked || problems === entry.problems) return;
  applyProblems(entry.el, problems);
  entry.problems = problems;
}

/** Draw the rest of a parked node (see buildNode), with its status and problems. */
function unpark(canvas, id, entry) {
  const node = canvas.app.model.get(id);
  if (!node) return;
  fillNode(canvas.app.model, node, entry.el);
  entry.parked = false;
  if (canvas.statuses.has(id)) applyStatus(entry.el, canvas.statuses.get(id));
  showProblems(canvas, id, entry);
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
  if (record && record.parked) unpark(canvas, nodeEl.dataset.nodeId, record);
  if (record) setShown(record, record.el, true);
}
