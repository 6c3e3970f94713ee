"""``compile_flows``: a ``FlowSet`` turned into the running shape (pure).

Enabled tabs and nodes only; link-out ``links`` become ordinary wires; config nodes come before
the nodes that use them; each subflow instance is expanded by ``subflows.expand_instance``.

Given the running configuration's compiled shape (``previous``), a node whose text did not change
(``FlowSet.reused``) keeps its ``NodeSpec`` object when nothing else it is built from changed:
the same tab (or the global flow), the same link wires, not a subflow instance. A spec is a pure
function of those, and nobody writes to it: a node is built from a copy of its ``config``
(``Runtime._construct``). A deploy that changes one node of 1,000 thus builds one spec, not 1,000.
"""

from __future__ import annotations

from .graph import GLOBAL_FLOW, CompiledFlows, FlowSpec, NodeSpec, config_refs, link_targets
from .model import FlowSet, NodeConfig
from .subflows import expand_instance

__all__ = ["compile_flows"]


def compile_flows(fs: FlowSet, previous: CompiledFlows | None = None) -> CompiledFlows:
    """The running shape of a configuration (enabled tabs, enabled nodes, expanded subflows).

    ``previous``: the compiled shape of the configuration ``fs.reused`` refers to (the one
    ``fs``'s unchanged nodes were parsed from); its specs of those nodes are taken when they hold."""
    links = link_targets(fs)
    flows: dict[str, FlowSpec] = {}
    nodes: dict[str, NodeSpec] = {}
    reuse = _Reuse(fs, previous, links)
    gflow = FlowSpec(GLOBAL_FLOW, "global", GLOBAL_FLOW, None, groups={})
    flows[GLOBAL_FLOW] = gflow
    for n in _config_order([n for n in fs.nodes.values() if n.is_config and n.z is None and not n.disabled]):
        spec = reuse.spec(n, GLOBAL_FLOW) or NodeSpec(n.id, n.type, dict(n.raw), (), n.id, GLOBAL_FLOW, True,
                                                       n.env_free)
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
            same = reuse.spec(n, tab.id)
            if same is not None:
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


class _Reuse:
    """The previous compile's spec of an unchanged node, when it is what this compile would build."""

    def __init__(self, fs: FlowSet, previous: CompiledFlows | None, links: dict[str, list[str]]) -> None:
        self.reused = fs.reused if previous is not None else frozenset()
        self.specs = previous.nodes if previous is not None else {}
        self.old_links = previous.links if previous is not None else {}
        self.links = links

    def spec(self, n: NodeConfig, flow: str) -> NodeSpec | None:
        nid = n.id
        if nid not in self.reused:
            return None
        old = self.specs.get(nid)
        # root == id: a top-level node, never a copy inside a subflow instance (a node of the
        # same id cannot be both); an instance's spec is rewritten by its expansion: never taken
        if (old is None or old.flow != flow or old.root != nid or n.subflow_id is not None
                or self.links.get(nid) != self.old_links.get(nid)):
            return None
        return old


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
