// Helpers for two drag gestures: moving a group box with its members, and splicing a dragged
// node onto an existing wire. No DOM state of their own; the pointer state machine and the
// keyboard (arrows on a group, S on a node) call them.

import { GRID } from "./wires.js";

/** Ids of the nodes and (nested) groups inside group `gid`, the group itself included. */
export function groupMembers(model, gid) {
  const nodes = [];
  const groups = [];
  const queue = [gid];
  const seen = new Set();
  while (queue.length) {
    const id = queue.shift();
    if (seen.has(id)) continue;
    seen.add(id);
    const g = model.get(id);
    if (!g || g.type !== "group") continue;
    groups.push(id);
    for (const m of g.nodes || []) {
      const o = model.get(m);
      if (!o) continue;
      if (o.type === "group") queue.push(m);
      else if (o.z === g.z) nodes.push(m);
    }
  }
  return { nodes, groups };
}

/**
 * Groups that travel with a moved set of nodes: those whose every node (nested groups included)
 * is in `ids`, so moving all the members of a group moves its box too.
 */
export function carriedGroups(model, ids) {
  const moved = new Set(ids);
  const tabs = new Set([...moved].map((id) => model.get(id)?.z).filter(Boolean));
  const out = [];
  for (const z of tabs) {
    for (const g of model.groupsOn(z)) {
      const { nodes } = groupMembers(model, g.id);
      if (nodes.length && nodes.every((id) => moved.has(id))) out.push(g.id);
    }
  }
  return out;
}

/** Node and group moves for shifting the nodes `ids` and the groups they carry by (dx, dy). */
export function shiftMoves(model, ids, groups, dx, dy) {
  return [...ids, ...groups].map((id) => model.get(id)).filter(Boolean).map((o) => ({ id: o.id, x: o.x + dx, y: o.y + dy }));
}

/** The pointer delta in canvas units, snapped to whole grid steps when snapping is on. */
export function groupDelta(dx, dy, zoom, snap) {
  const x = dx / zoom;
  const y = dy / zoom;
  return snap ? { x: Math.round(x / GRID) * GRID, y: Math.round(y / GRID) * GRID } : { x, y };
}

/** True when node `id` could be dropped onto a wire: one input, an output, no wires yet. */
export function canSplice(model, id) {
  const node = model.get(id);
  if (!node || model.inputsOf(node) < 1 || model.outputsOf(node) < 1) return false;
  if ((node.wires || []).some((t) => (t || []).length)) return false;
  return !model.wires().some((w) => w.dst === id);
}

/** The wire element under a client point (ignoring wires of `id`), or null. */
export function wireUnder(x, y, id) {
  for (const el of document.elementsFromPoint(x, y)) {
    const w = el.closest && el.closest("[data-wire]");
    if (!w) continue;
    const [src, rest] = w.dataset.wire.split(/:(?=\d+->)/);
    const [port, dst] = rest.split("->");
    if (src === id || dst === id) continue;
    return { el: w, src, port: Number(port), dst };
  }
  return null;
}

/** Insert node `id` into the wire src:port -> dst (one history step is the caller's). */
export function splice(model, id, wire) {
  model.disconnect(wire.src, wire.port, wire.dst);
  model.connect(wire.src, wire.port, id);
  model.connect(id, 0, wire.dst);
}
