// Subflow definitions (Node-RED's "subflow" objects): create an empty one, turn a selection into
// one (wires crossing the selection become its ports and the selection becomes an instance),
// delete one with its instances. Pure model work; the caller runs each inside one history step.

import { fitGroup } from "./groups.js";
import { newId } from "./model.js";
import { layoutOf } from "./nodeview.js";

export const SUBFLOW_COLOR = "#DDAA99";

function nextName(model) {
  const taken = new Set(model.all().filter((o) => o.type === "subflow").map((o) => o.name));
  let n = 1;
  while (taken.has(`Subflow ${n}`)) n += 1;
  return `Subflow ${n}`;
}

/** A new subflow definition; `props` are merged in (in/out ports, name...). */
export function createSubflow(model, props = {}) {
  const sf = { id: newId(), type: "subflow", name: nextName(model), info: "", category: "", in: [], out: [], env: [], meta: {}, color: SUBFLOW_COLOR, ...props };
  model.items.set(sf.id, sf);
  model._changed("tabs", [sf.id]);
  return sf;
}

/** Instances (subflow:<id> nodes) of subflow `id`, anywhere. */
export function instancesOf(model, id) {
  return model.all().filter((o) => o.type === `subflow:${id}`);
}

/** Remove a subflow definition, its nodes and every instance of it. */
export function deleteSubflow(model, id) {
  model.removeNodes([id, ...instancesOf(model, id).map((o) => o.id)]);
}

/**
 * Turn the selected nodes of tab `z` into a new subflow and put an instance where they were.
 * Returns {subflow, instance} or {error} (Node-RED's rule: one node at most may take wires from
 * outside the selection, since a subflow has one input).
 */
export function selectionToSubflow(model, ids, z) {
  const chosen = new Set(ids.filter((id) => model.get(id)?.z === z && model.isCanvasNode(model.get(id))));
  if (!chosen.size) return { error: "nothing selected" };
  const incoming = [];
  const outgoing = [];
  for (const w of model.wires()) {
    const inSrc = chosen.has(w.src);
    const inDst = chosen.has(w.dst);
    if (!inSrc && inDst && model.get(w.src)?.z === z) incoming.push(w);
    if (inSrc && !inDst) outgoing.push(w);
  }
  // Inside a subflow, its own ports are sources and targets too (Node-RED counts them as wires).
  const parent = model.get(z);
  const parentPorts = parent && parent.type === "subflow" ? [...(parent.out || []), ...(parent.status ? [parent.status] : [])] : [];
  const fromParentIn = parent && parent.type === "subflow" ? ((parent.in || [])[0]?.wires || []).filter((w) => chosen.has(w.id)) : [];
  const inputTargets = [...new Set([...incoming.map((w) => w.dst), ...fromParentIn.map((w) => w.id)])];
  if (inputTargets.length > 1) return { error: "multiple inputs to selection: only one node may take wires from outside it" };
  const outPorts = [];
  for (const w of outgoing) {
    const key = `${w.src}:${w.port}`;
    if (!outPorts.some((p) => p.key === key)) outPorts.push({ key, src: w.src, port: w.port, targets: [] });
    outPorts.find((p) => p.key === key).targets.push(w.dst);
  }
  for (const p of parentPorts) {
    for (const w of p.wires || []) {
      const key = `${w.id}:${w.port || 0}`;
      if (chosen.has(w.id) && !outPorts.some((o) => o.key === key)) outPorts.push({ key, src: w.id, port: w.port || 0, targets: [] });
    }
  }
  const nodes = [...chosen].map((id) => model.get(id));
  // Groups entirely selected go along; nodes leave groups that stay behind, and the instance takes
  // their place in that group (Node-RED); nodes of two groups cannot become one subflow.
  const movedGroups = model.groupsOn(z).filter((g) => (g.nodes || []).length && (g.nodes || []).every((m) => chosen.has(m) || movedGroupMember(model, m, chosen)));
  const moving = new Set([...chosen, ...movedGroups.map((g) => g.id)]);
  const left = new Set([...moving].map((id) => model.get(id).g).filter((g) => g && !moving.has(g) && model.get(g)));
  if (left.size > 1) return { error: "the selection is in more than one group" };
  const box = bounds(model, nodes);
  const sf = createSubflow(model, {
    in: inputTargets.length ? [{ x: Math.max(40, box.x0 - 60), y: Math.round((box.y0 + box.y1) / 2), wires: inputTargets.map((id) => ({ id })) }] : [],
    out: outPorts.map((p, i) => ({ x: box.x1 + 60, y: box.y0 + 40 * i, wires: [{ id: p.src, port: p.port }] })),
  });
  for (const id of moving) {
    const o = model.get(id);
    o.z = sf.id;
    const parent = model.get(o.g);
    if (parent && !moving.has(parent.id)) {
      parent.nodes = (parent.nodes || []).filter((n) => n !== id);
      delete o.g;
    }
    if (Array.isArray(o.wires)) o.wires = o.wires.map((t) => (t || []).filter((d) => chosen.has(d)));
  }
  const instance = {
    id: newId(), type: `subflow:${sf.id}`, z, name: "", env: [],
    x: Math.round((box.x0 + box.x1) / 2), y: Math.round((box.y0 + box.y1) / 2),
    wires: outPorts.map((p) => [...new Set(p.targets)]),
  };
  model.items.set(instance.id, instance);
  const home = model.get([...left][0]);
  if (home) {
    instance.g = home.id;
    home.nodes = [...(home.nodes || []), instance.id];
    fitGroup(model, home.id);
  }
  if (fromParentIn.length) {
    const inPort = parent.in[0];
    inPort.wires = [...inPort.wires.filter((w) => !chosen.has(w.id)), { id: instance.id }];
  }
  for (const p of parentPorts) {
    p.wires = (p.wires || []).map((w) => {
      if (!chosen.has(w.id)) return w;
      return { id: instance.id, port: outPorts.findIndex((o) => o.key === `${w.id}:${w.port || 0}`) };
    }).filter((w, i, all) => all.findIndex((x) => x.id === w.id && (x.port || 0) === (w.port || 0)) === i);
  }
  for (const w of incoming) {
    const src = model.get(w.src);
    const targets = src.wires[w.port].map((d) => (d === w.dst ? instance.id : d));
    src.wires[w.port] = [...new Set(targets)];
  }
  model._changed("subflow", [sf.id, instance.id, ...moving]);
  return { subflow: sf, instance };
}

function movedGroupMember(model, id, chosen) {
  const o = model.get(id);
  return o && o.type === "group" && (o.nodes || []).every((m) => chosen.has(m) || movedGroupMember(model, m, chosen));
}

function bounds(model, nodes) {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const n of nodes) {
    const { width, height } = layoutOf(model, n).size;
    [x0, y0] = [Math.min(x0, n.x - width / 2), Math.min(y0, n.y - height / 2)];
    [x1, y1] = [Math.max(x1, n.x + width / 2), Math.max(y1, n.y + height / 2)];
  }
  return { x0, y0, x1, y1 };
}

/**
 * Apply an edited definition: name, category, colour, icon, info, env, ports and port wiring
 * ({inputs: [ids], outputs: [[{id, port}]], status: null | [{id, port}]}). Instances follow the
 * new number of outputs.
 */
export function updateSubflow(model, id, edit) {
  const sf = model.get(id);
  const inner = model.all().filter((o) => o.z === id && model.isCanvasNode(o));
  const xs = inner.map((n) => n.x);
  const left = xs.length ? Math.min(...xs) - 140 : 60;
  const right = xs.length ? Math.max(...xs) + 140 : 300;
  for (const key of ["name", "category", "color", "icon", "info"]) {
    if (edit[key] === undefined) {
      if (key === "color" || key === "icon") delete sf[key];
      continue;
    }
    if (edit[key] === "" && (key === "icon" || key === "color")) delete sf[key];
    else sf[key] = edit[key];
  }
  sf.env = edit.env;
  // port labels (Node-RED's inputLabels/outputLabels), kept only when one is set
  for (const key of ["inputLabels", "outputLabels"]) {
    const list = Array.from(edit[key] || [], (l) => (l || "").trim()); // (holes count as "")
    if (list.some(Boolean)) sf[key] = list;
    else delete sf[key];
  }
  sf.in = edit.inputs === null ? [] : [{ x: sf.in?.[0]?.x ?? Math.max(40, left), y: sf.in?.[0]?.y ?? 80, wires: edit.inputs.map((n) => ({ id: n })) }];
  sf.out = edit.outputs.map((wires, i) => ({ x: sf.out?.[i]?.x ?? right, y: sf.out?.[i]?.y ?? 80 + 40 * i, wires }));
  if (edit.status) sf.status = { x: sf.status?.x ?? right, y: sf.status?.y ?? 80 + 40 * sf.out.length, wires: edit.status };
  else delete sf.status;
  for (const inst of instancesOf(model, id)) {
    inst.wires = Array.from({ length: sf.out.length }, (_, i) => (inst.wires || [])[i] || []);
  }
  if (!sf.in.length) {
    for (const o of model.all()) {
      if (Array.isArray(o.wires)) o.wires = o.wires.map((t) => (t || []).filter((d) => model.get(d)?.type !== `subflow:${id}`));
    }
  }
  model._changed("update", [id]);
}
