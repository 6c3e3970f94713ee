// Node-RED flow JSON helpers: parse imports, re-id on conflict, collect export sets. No DOM.

/** A new 16-hex-digit id, as Node-RED's editor makes them. */
export function newId() {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Parse import text into an array of flow objects; throws an Error saying what is wrong. */
export function parseFlowText(text) {
  let data;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`not valid JSON: ${err.message}`);
  }
  if (data && !Array.isArray(data) && Array.isArray(data.flows)) data = data.flows;
  if (data && !Array.isArray(data) && typeof data === "object") data = [data];
  if (!Array.isArray(data)) throw new Error("expected a JSON array of flow objects");
  data.forEach((o, i) => {
    if (!o || typeof o !== "object" || Array.isArray(o)) throw new Error(`item ${i} is not an object`);
    if (typeof o.id !== "string" || !o.id) throw new Error(`item ${i} has no "id"`);
    if (typeof o.type !== "string" || !o.type) throw new Error(`item ${i} (${o.id}) has no "type"`);
  });
  const seen = new Set();
  for (const o of data) {
    if (seen.has(o.id)) throw new Error(`duplicate id "${o.id}"`);
    seen.add(o.id);
  }
  return data;
}

/**
 * Copies of `flows` ready to add to `model`: ids that already exist (or all, with remapAll)
 * get new ids, and every reference (z, wires, g, group members, links, subflow types, config
 * references) follows. Nodes whose workspace is not known land on workspace `z`.
 */
export function importSet(model, flows, z, { remapAll = false, dx = 0, dy = 0, newTab = false } = {}) {
  const copies = flows.map((o) => structuredClone(o));
  const map = new Map();
  for (const o of copies) {
    if (remapAll || model.items.has(o.id)) map.set(o.id, newId());
  }
  const re = (id) => (map.has(id) ? map.get(id) : id);
  // into a new tab: every node whose tab is not in the import lands there (Node-RED's "new flow")
  const workspaces = new Set(newTab ? [] : model.workspaces().map((w) => w.id));
  for (const o of copies) if (o.type === "tab" || o.type === "subflow") workspaces.add(re(o.id));
  for (const o of copies) {
    delete o.credentials;
    o.id = re(o.id);
    if (o.type.startsWith("subflow:")) o.type = "subflow:" + re(o.type.slice(8));
    if (Array.isArray(o.wires)) o.wires = o.wires.map((t) => (Array.isArray(t) ? t.map(re) : []));
    if (typeof o.g === "string") o.g = re(o.g);
    if (Array.isArray(o.nodes)) o.nodes = o.nodes.map(re);
    if (Array.isArray(o.links)) o.links = o.links.map(re);
    if (Array.isArray(o.scope)) o.scope = o.scope.map(re);
    for (const port of [...(o.in || []), ...(o.out || []), o.status].filter(Boolean)) {
      if (Array.isArray(port.wires)) port.wires = port.wires.map((w) => ({ ...w, id: re(w.id) }));
    }
    // Config references: any top-level string property equal to a remapped id.
    for (const [k, v] of Object.entries(o)) {
      if (k !== "id" && k !== "z" && typeof v === "string" && map.has(v)) o[k] = map.get(v);
    }
    if (o.z !== undefined) {
      o.z = re(o.z);
      if (!workspaces.has(o.z)) {
        if (model.isCanvasNode({ ...o, z: "x" }) || o.type === "group") o.z = z;
        else delete o.z;
      }
    } else if (o.x !== undefined && o.wires !== undefined) {
      o.z = z;
    }
    if (typeof o.x === "number" && o.type !== "subflow") o.x += dx;
    if (typeof o.y === "number" && o.type !== "subflow") o.y += dy;
  }
  // A node keeps its group only when the group comes with it (as Node-RED imports): a copy of a
  // member pasted or duplicated alone belongs to no group.
  const groups = new Set(copies.filter((o) => o.type === "group").map((o) => o.id));
  for (const o of copies) if (typeof o.g === "string" && !groups.has(o.g)) delete o.g;
  return copies;
}

/** The objects to export for a selection: nodes, referenced config nodes and used subflows. */
export function exportSet(model, ids) {
  const out = new Map();
  const queue = [...ids];
  while (queue.length) {
    const id = queue.shift();
    const o = model.get(id);
    if (!o || out.has(id)) continue;
    out.set(id, o);
    if (o.type === "group") queue.push(...(o.nodes || []));
    if (o.type === "tab" || o.type === "subflow") {
      for (const inner of model.all()) if (inner.z === id) queue.push(inner.id);
    }
    const sf = model.subflowOf(o);
    if (sf) queue.push(sf.id);
    for (const v of Object.values(o)) {
      if (typeof v === "string" && v !== o.z && v !== o.id) {
        const ref = model.get(v);
        if (ref && model.isConfig(ref)) queue.push(v);
      }
    }
  }
  const rank = (o) => (o.type === "tab" ? 0 : o.type === "subflow" ? 1 : model.isConfig(o) ? 2 : 3);
  return [...out.values()]
    .map((o, i) => [rank(o), i, o])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([, , o]) => {
      const { credentials, ...rest } = o;
      return structuredClone(rest);
    });
}
