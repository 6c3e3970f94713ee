// Group membership by dragging, as Node-RED's editor does it: nodes (or whole groups) dropped on a
// group join it; members dragged with Alt held leave their group (dropped on another group, they
// join that one). Dragging members without Alt keeps them in their group, whose box grows. The
// pointer state machine asks plan() and leavePlan() when a drag starts, dragPlan() and target()
// while it moves and rehome() on drop, inside the move's undo step. leaveGroup() is the keyboard
// and menu way out ("Remove from group"); it and an Alt drag share leavePlan() and rehome(). No DOM
// state here except the hover mark.

import { carriedGroups } from "./dragmoves.js";
import { fitGroup, fittedBox, growGroup } from "./groups.js";

/**
 * What a drag of `items` (the top-level things moved: nodes outside the carried groups, and the
 * carried groups themselves) may do to membership. `moving` holds every moved group (nested ones
 * too), which can never be a target. Returns null when the set may not change groups: its members
 * come from different groups, or some come from a group and some from none (Node-RED's rule).
 */
export function plan(model, items, moving) {
  const from = new Set();
  let loose = false;
  for (const id of items) {
    const o = model.get(id);
    if (!o) continue;
    if (o.g && model.get(o.g)) from.add(o.g);
    else loose = true;
  }
  if (from.size === 0) return { items, moving: new Set(moving), parent: null };
  if (from.size === 1 && !loose) return { items, moving: new Set(moving), parent: [...from][0] };
  return null;
}

/** The innermost group under canvas point (x, y) on tab `z`, skipping the moved groups. */
export function groupAt(model, z, x, y, moving) {
  const hits = model.groupsOn(z).filter((g) => !moving.has(g.id) && typeof g.x === "number" &&
    x >= g.x && x <= g.x + g.w && y >= g.y && y <= g.y + g.h);
  const inner = hits.filter((g) => !hits.some((other) => other.g === g.id));
  return inner.length ? inner[inner.length - 1].id : null;
}

/** True when group `gid` sits (at any depth) inside group `outer`. */
export function inside(model, gid, outer) {
  let g = model.get(model.get(gid)?.g);
  for (let depth = 0; g && g.type === "group" && depth < 100; depth++) {
    if (g.id === outer) return true;
    g = model.get(g.g);
  }
  return false;
}

/**
 * The group the drag would drop into at canvas point `at`, or null. Members of a group dragged
 * without Alt only go into a group nested inside their own; with Alt, into any other group.
 */
export function target(model, p, z, at, alt) {
  if (!p) return null;
  const gid = groupAt(model, z, at.x, at.y, p.moving);
  if (!gid || !p.parent) return gid;
  if (gid === p.parent) return alt ? gid : null; // dropped back inside its own group: it stays
  return alt || inside(model, gid, p.parent) ? gid : null;
}

/**
 * Apply a drop or a "Remove from group": write `moves` (the dragged positions), then join `into`
 * when set, else leave the parent group when `alt` was held. Membership changes before the
 * positions are written, so the group left never grows toward the members leaving it. The group
 * left shrinks to what it still holds and stays when nothing is left (Node-RED keeps an empty group,
 * drawn as a small box); the group joined grows to hold the newcomers. Returns the ids whose
 * membership changed. Mutates; notifies.
 */
export function rehome(model, p, into, alt, moves = []) {
  const stays = !p || (!into && !(alt && p.parent)) || (into && into === p.parent);
  const parent = !stays && p.parent ? model.get(p.parent) : null;
  const changed = [];
  for (const id of stays ? [] : p.items) {
    const o = model.get(id);
    if (!o || (o.g && o.g !== p.parent)) continue;
    if (parent) parent.nodes = (parent.nodes || []).filter((m) => m !== id);
    if (into) {
      o.g = into;
      const g = model.get(into);
      g.nodes = [...(g.nodes || []).filter((m) => m !== id), id];
    } else delete o.g;
    changed.push(id);
  }
  if (moves.length) model.moveNodes(moves);
  if (!changed.length) return [];
  if (parent) fitGroup(model, parent.id);
  if (into) growGroup(model, into);
  model._changed("group", [...changed, ...(parent ? [parent.id] : []), ...(into ? [into] : [])]);
  return changed;
}

/**
 * What leaves which group when the selected node ids are taken out of their group, by "Remove from
 * group" or by an Alt drag: the nodes, or a nested group whose every node is selected (it leaves
 * whole); when every node of a top-level group is selected, those nodes leave it and the group
 * stays. All must come from one group. Returns a plan whose parent is the group left, or null.
 */
export function leavePlan(model, ids) {
  const groups = carriedGroups(model, ids);
  const carried = new Set(groups);
  const tops = [...ids, ...groups].filter((m) => !carried.has(model.get(m)?.g));
  let p = plan(model, tops, groups);
  if (p && !p.parent) p = plan(model, ids, []);
  return p && p.parent ? p : null;
}

/**
 * The plan of a node drag and the carried groups that travel with it. With Alt held the selection
 * leaves its group (leavePlan), so a group it would otherwise carry stays where it is.
 */
export function dragPlan(s, alt) {
  if (alt && s.leave) return { drop: s.leave, travel: s.leave.moving };
  return { drop: s.drop, travel: new Set(s.groups) };
}

/**
 * "Remove from group" (Node-RED's core:remove-selection-from-group) on the selected node ids: what
 * leavePlan picks goes to the group around the group left, or to none. Returns the ids that left,
 * or null when the selection is not in one group. Mutates; notifies.
 */
export function leaveGroup(model, ids) {
  const p = leavePlan(model, ids);
  if (!p) return null;
  const group = model.get(p.parent);
  const outer = group.g && model.get(group.g) ? group.g : null;
  return rehome(model, p, outer, true);
}

/** Mark the group a drop would join (null clears) on the drawn canvas. */
export function markTarget(canvas, holder, gid) {
  if (holder.dropGroup === gid) return;
  if (holder.dropGroup) canvas.groupElement(holder.dropGroup)?.classList.remove("drop-target");
  holder.dropGroup = gid;
  if (gid) canvas.groupElement(gid)?.classList.add("drop-target");
}

/**
 * While an Alt drag takes plan `p`'s items out of their group, draw that group fitted to what it
 * still holds, as the drop will leave it (Node-RED shrinks the box as you drag); `p` null draws it
 * as the model has it again. Only the drawn box changes; `holder` remembers which one.
 */
export function drawLeaving(canvas, model, p, holder) {
  const gid = p?.parent || null;
  if (holder.shrunk && holder.shrunk !== gid) drawBox(canvas, holder.shrunk, model.get(holder.shrunk));
  holder.shrunk = gid;
  const g = model.get(gid);
  if (!g) return;
  const leaving = new Set(p.items);
  drawBox(canvas, gid, fittedBox(model, g, (g.nodes || []).filter((m) => !leaving.has(m))));
}

function drawBox(canvas, gid, box) {
  const el = canvas.groupElement(gid);
  if (!el || !box || typeof box.x !== "number") return;
  const rect = el.querySelector("rect.group");
  for (const [k, v] of Object.entries({ x: box.x, y: box.y, width: box.w, height: box.h })) rect?.setAttribute(k, v);
  el.querySelector(".group-label")?.setAttribute("x", box.x + 8);
  el.querySelector(".group-label")?.setAttribute("y", box.y + 16);
}
