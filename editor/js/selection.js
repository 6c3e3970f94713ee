// Selection helpers over the flow model (no DOM): the nodes wired to a set of nodes, directly or
// through others, in either direction (Node-RED's "select all connected nodes").

/** Ids of every node reachable from `ids` over wires (both directions), `ids` included. */
export function connectedNodes(model, ids) {
  const next = new Map();
  const link = (a, b) => {
    if (!next.has(a)) next.set(a, new Set());
    next.get(a).add(b);
  };
  for (const { src, dst } of model.wires()) {
    link(src, dst);
    link(dst, src);
  }
  const seen = new Set();
  const queue = [...ids];
  while (queue.length) {
    const id = queue.pop();
    if (seen.has(id) || !model.get(id)) continue;
    seen.add(id);
    for (const other of next.get(id) || []) if (!seen.has(other)) queue.push(other);
  }
  return seen;
}

/** Select every node connected to the current selection (or to `id`). */
export function selectConnected(app, id = null) {
  const start = id ? [id] : [...app.view.selection];
  if (!start.length) return;
  app.view.selection = connectedNodes(app.model, start);
  app.view.selectedWire = null;
  app.selectionChanged();
  app.say(`${app.view.selection.size} connected node${app.view.selection.size === 1 ? "" : "s"} selected`);
}
