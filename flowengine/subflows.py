"""Subflow instances: per-instance copies of a subflow's nodes (pure).

Each internal node gets a new id (a hash of instance id and original id) and ``_alias`` = the
original; the instance node forwards its input to the subflow's input port; outputs feed the
instance's own wires; the status port becomes a ``subflow-status`` node. Nested instances are
expanded recursively.
"""

from __future__ import annotations

import hashlib

from .graph import FlowSpec, NodeSpec
from .model import FlowSet, GroupConfig, NodeConfig

__all__ = ["expand_instance", "running_id"]


def _copy_id(instance_id: str, original: str) -> str:
    return hashlib.sha256(f"{instance_id}\x00{original}".encode()).hexdigest()[:16]


def running_id(path: list[str]) -> str:
    """The id a node inside subflow instances runs under: ``path`` is the ids of the instances,
    outermost first, then the node's own id, each as in the flows file (``["inst", "node"]``)."""
    rid = path[0]
    for original in path[1:]:
        rid = _copy_id(rid, original)
    return rid


def expand_instance(
    fs: FlowSet,
    links: dict[str, list[str]],
    inst: NodeConfig,
    inst_spec: NodeSpec,
    parent: FlowSpec,
    root: str,
    flows: dict[str, FlowSpec],
    nodes: dict[str, NodeSpec],
    depth: int,
) -> None:
    """Copy subflow ``inst.subflow_id``'s nodes for instance ``inst`` (new ids, ``_alias``)."""
    sf = fs.subflows[inst.subflow_id or ""]
    if depth > 32:
        return  # recursion is refused by validate(); this only bounds a bad config
    internal = [n for n in fs.members(sf.id) if not n.disabled]
    idmap = {n.id: _copy_id(inst_spec.id, n.id) for n in internal}
    gmap = {g.id: _copy_id(inst_spec.id, g.id) for g in fs.groups.values() if g.z == sf.id}
    groups = {gmap[g.id]: GroupConfig(gmap[g.id], inst_spec.id, gmap.get(g.g or "", g.g), g.name, g.env, g.raw)
              for g in fs.groups.values() if g.z == sf.id}
    outside = [list(p) for p in inst_spec.wires]
    status_id = f"{inst_spec.id}:status" if sf.status is not None and sf.status.targets else None
    # wires of internal nodes: their own (remapped) + outside targets of the outputs they feed
    extra: dict[tuple[str, int], list[str]] = {}
    for i, out_port in enumerate(sf.outputs):
        for nid, p in out_port.targets:
            extra.setdefault((nid, p), []).extend(outside[i] if i < len(outside) else [])
    if status_id is not None and sf.status is not None:
        for nid, p in sf.status.targets:
            extra.setdefault((nid, p), []).append(status_id)
    # the instance node forwards its input to the input port's targets (+ straight-through outputs)
    in_targets = [idmap[t] for t, _ in (sf.inputs[0].targets if sf.inputs else ()) if t in idmap]
    in_targets.extend(extra.get((sf.id, 0), []))
    inst_wires = (tuple(in_targets),)
    object.__setattr__(inst_spec, "wires", inst_wires)
    flow = FlowSpec(inst_spec.id, "subflow", f"{parent.path}/{inst_spec.id}", parent.id, parent.tab,
                    inst, sf, groups, instance_config=inst_spec.config)
    flows[flow.id] = flow
    for n in sorted(internal, key=lambda m: not m.is_config):
        new_id = idmap[n.id]
        own = links.get(n.id)
        base = (tuple(own),) if own is not None else n.wires
        wires = []
        for port, targets in enumerate(base):
            ids = [idmap[t] for t in targets if t in idmap]
            ids.extend(extra.get((n.id, port), []))
            wires.append(tuple(ids))
        for (nid, port), ids in extra.items():
            if nid == n.id and port >= len(wires):
                while len(wires) <= port:
                    wires.append(())
                wires[port] = tuple(ids)
        cfg = dict(n.raw)
        cfg.update(id=new_id, z=inst_spec.id, _alias=n.id, wires=[list(p) for p in wires])
        if n.g is not None:
            cfg["g"] = gmap.get(n.g, n.g)
        for k, v in list(cfg.items()):
            if k not in ("id", "z", "g", "wires", "_alias", "type") and isinstance(v, str) and v in idmap:
                cfg[k] = idmap[v]  # references to config nodes copied into this instance
            elif k in ("links", "scope") and isinstance(v, list):
                cfg[k] = [idmap.get(x, x) for x in v]
        spec = NodeSpec(new_id, n.type, cfg, tuple(wires), root, flow.id, n.is_config)
        flow.nodes.append(spec)
        nodes[new_id] = spec
        if n.subflow_id is not None and n.subflow_id in fs.subflows:
            expand_instance(fs, links, n, spec, flow, root, flows, nodes, depth + 1)
    if status_id is not None:
        cfg = {"id": status_id, "type": "subflow-status", "z": inst_spec.id, "wires": []}
        spec = NodeSpec(status_id, "subflow-status", cfg, (), root, flow.id)
        flow.nodes.append(spec)
        nodes[status_id] = spec
