"""``compile_flows``: a ``FlowSet`` turned into the running shape (pure).

Enabled tabs and nodes only; link-out ``links`` become ordinary wires; config nodes come before
the nodes that use them; each subflow instance is expanded by ``subflows.expand_instance``.

Given the running configuration's compiled shape (``previous``), a node whose text did not change
(``FlowSet.reused``) keeps its ``NodeSpec`` object when nothing else it is built from changed:
the same tab (or the global flow), not a link out, not a subflow instance. A spec is a pure
function of those, except its ``config``: the node built from it gets that dict and may write into
it, so a reused spec gets a fresh copy of the node's dict each time. A deploy that changes one
node of 1,000 thus builds one spec, not 1,000, and keeps every running node's route as it is.
"""

from __future__ import annotations

from .graph import GLOBAL_FLOW, CompiledFlows, FlowSpec, NodeSpec, config_refs, link_targets
from .model import SUBFLOW_PREFIX, FlowSet, NodeConfig
from .subflows import expand_instance

__all__ = ["compile_flows"]


def compile_flows(fs: FlowSet, previous: CompiledFlows | None = None) -> CompiledFlows:
    """The running shape of a configuration (enabled tabs, enabled nodes, expanded subflows).

    ``previous``: the compiled shape of the configuration ``fs.reused`` refers to (the one
    ``fs``'s unchanged nodes were parsed from); its specs of those nodes are taken when they hold."""
    links = link_targets(fs)
    flows: dict[str, FlowSpec] = {}
    nodes: dict[str, NodeSpec] = {}
    reusable = _reusable(fs, previous, links)
    gflow = FlowSpec(GLOBAL_FLOW, "global", GLOBAL_FLOW, None, groups={})
    flows[GLOBAL_FLOW] = gflow
    for n in _config_order([n for n in fs.nodes.values() if n.is_config and n.z is None and not n.disabled]):
        spec = reusable.get(n.id)
        if spec is None or spec.flow != GLOBAL_FLOW:
            spec = NodeSpec(n.id, n.type, dict(n.raw), (), n.id, GLOBAL_FLOW, True, n.env_free)
        gflow.nodes.append(spec)
        nodes[n.id] = spec
    for tab in fs.tabs.values():
        if tab.disabled:
            continue
        groups = {g.id: g for g in fs.groups.values() if g.z == tab.id}
        flow = FlowSpec(tab.id, "tab", tab.id, GLOBAL_FLOW, tab=tab, groups=groups)
        flows[tab.id] = flow
        members = [n for n in fs.members(tab.id) if not n.disabled]
        for n in sorted(members, key=lambda m: not m.is_config):
            same = reusable.get(n.id)
            if same is not None and same.flow == tab.id:
                flow.nodes.append(same)
                nodes[n.id] = same
                continue
            wires = n.wires
            if n.id in links:
                wires = (tuple(links[n.id]),)
            # env_free: wires rewritten from links hold ids, which substitution skips
            spec = NodeSpec(n.id, n.type, dict(n.raw), wires, n.id, tab.id, n.is_config, n.env_free)
            if wires is not n.wires:
                spec.config["wires"] = [list(p) for p in wires]
            flow.nodes.append(spec)
            nodes[n.id] = spec
            if n.subflow_id is not None and n.subflow_id in fs.subflows:
                expand_instance(fs, links, n, spec, flow, n.id, flows, nodes, depth=0)
    return CompiledFlows(flows, nodes, links)


def _reusable(fs: FlowSet, previous: CompiledFlows | None, links: dict[str, list[str]]) -> dict[str, NodeSpec]:
    """The previous compile's specs of ``fs``'s unchanged nodes that this compile would build alike
    (the caller checks the flow): a top-level node (root == id: never a copy inside a subflow
    instance), not itself an instance (its expansion rewrites its spec), not a link out (its wires
    are compiled from the link nodes around it).

    Each one gets a new ``config``, a copy of the node's current dict, as a new spec would: the
    node built from the spec last time may have written into the old one (it is that node's own
    dict now), and the old one holds the previous request's values."""
    if previous is None or not fs.reused:
        return {}
    specs, old_links, nodes = previous.nodes, previous.links, fs.nodes
    out: dict[str, NodeSpec] = {}
    for nid in fs.reused:
        old = specs.get(nid)
        if (old is not None and old.root == nid and not old.type.startswith(SUBFLOW_PREFIX)
                and nid not in links and nid not in old_links):
            _set(old, "config", dict(nodes[nid].raw))
            out[nid] = old
    return out


_set = object.__setattr__


def _config_order(configs: list[NodeConfig]) -> list[NodeConfig]:
    """Config nodes with the ones they reference first (file order otherwise; cycles kept as is)."""
    by_id = {c.id: c for c in configs}
    edges = [(ref, c.id) for c in configs for ref in config_refs(c.raw, by_id) if ref != c.id]
    if not edges:  # the common case: networkx is then never imported
        return configs
    import networkx as nx

    g: nx.DiGraph[str] = nx.DiGraph()
    g.add_nodes_from(by_id)
    g.add_edges_from(edges)
    if not nx.is_directed_acyclic_graph(g):
        return configs
    position = {c.id: i for i, c in enumerate(configs)}
    order = nx.lexicographical_topological_sort(g, key=lambda nid: position[nid])
    return [by_id[nid] for nid in order]
