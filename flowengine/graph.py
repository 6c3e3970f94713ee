"""Pure graph questions about a flow configuration: validation, compilation, deploy diff.

No I/O and no asyncio. ``validate`` finds problems keyed by node; ``compile_flows`` turns a
``FlowSet`` into the running shape (link-out ``links`` compiled into ordinary wires, each subflow
instance expanded into its own copies of the internal nodes); ``deploy_diff`` says which
top-level nodes a ``full`` / ``nodes`` / ``flows`` deploy restarts (Node-RED's rules, except that
rewired nodes really get their new wires in place).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from .errors import FlowProblem
from .model import FlowSet, GroupConfig, NodeConfig, SubflowConfig, TabConfig

__all__ = [
    "CompiledFlows",
    "DeployPlan",
    "FlowSpec",
    "NodeSpec",
    "compile_flows",
    "config_refs",
    "deploy_diff",
    "missing_types",
    "validate",
]

GLOBAL_FLOW = "global"
_IGNORED_FOR_CHANGE = frozenset({"x", "y", "wires", "credentials"})


# ----------------------------------------------------------------------------------------------
# validation


def missing_types(fs: FlowSet, known: Callable[[str], bool]) -> list[str]:
    """Types used by the configuration that no node package provides (sorted, unique)."""
    out: set[str] = set()
    for n in fs.nodes.values():
        sid = n.subflow_id
        if sid is not None:
            if sid not in fs.subflows:
                out.add(n.type)
        elif not known(n.type):
            out.add(n.type)
    return sorted(out)


def config_refs(raw: Mapping[str, Any], config_ids: Iterable[str] | Mapping[str, Any]) -> list[str]:
    """Config node ids referenced by a node's properties (top-level values and lists of ids)."""
    ids = config_ids if isinstance(config_ids, set | frozenset | dict) else set(config_ids)
    out: list[str] = []
    for k, v in raw.items():
        if k in ("id", "z", "g", "type", "wires", "x", "y"):
            continue
        if isinstance(v, str):
            if v in ids and v not in out:
                out.append(v)
        elif isinstance(v, list):
            for item in v:
                if isinstance(item, str) and item in ids and item not in out:
                    out.append(item)
    return out


def validate(
    fs: FlowSet,
    known: Callable[[str], bool],
    check_node: Callable[[Any], list[FlowProblem]] | None = None,
    config_types: Callable[[str], Mapping[str, str]] | None = None,
    *,
    info: bool = True,
) -> list[FlowProblem]:
    """Every problem of the configuration, errors first.

    ``known(type)`` says whether a type is registered; ``check_node(raw)`` validates one node's
    properties (the registry's JSON schema); ``config_types(type)`` maps property names that must
    name a config node to the config type they need. ``info=False`` skips the informational
    checks (wiring loops), which a deploy does not need.
    """
    problems = list(fs.problems)
    containers = set(fs.tabs) | set(fs.subflows)
    config_ids = {n.id: n for n in fs.nodes.values() if n.is_config}
    for t in missing_types(fs, known):
        users = [n for n in fs.nodes.values() if n.type == t]
        problems.append(FlowProblem(users[0].id if users else None, t, "type",
                                    f"unknown node type {t!r}: install the package that provides it",
                                    "error"))
    for n in fs.nodes.values():
        if n.z is not None and n.z not in containers:
            problems.append(FlowProblem(n.id, n.type, "z", f"node is on unknown tab or subflow {n.z!r}"))
        elif n.z is None and not n.is_config:
            problems.append(FlowProblem(n.id, n.type, "z", "node is not on any tab (missing 'z')"))
        if n.g is not None and n.g not in fs.groups:
            problems.append(FlowProblem(n.id, n.type, "g", f"unknown group {n.g!r}", "warning"))
        for port, targets in enumerate(n.wires):
            for target in targets:
                tnode = fs.nodes.get(target)
                if tnode is None:
                    problems.append(FlowProblem(n.id, n.type, f"wires[{port}]",
                                                f"wired to unknown node {target!r}"))
                elif tnode.is_config:
                    problems.append(FlowProblem(n.id, n.type, f"wires[{port}]",
                                                f"wired to config node {target!r}"))
        if n.type in ("link out", "link in", "link call"):
            links = n.raw.get("links")
            for target in links if isinstance(links, list) else []:
                if target not in fs.nodes:
                    problems.append(FlowProblem(n.id, n.type, "links",
                                                f"linked to unknown node {target!r}", "warning"))
        if config_types is not None and known(n.type):
            for prop, ctype in config_types(n.type).items():
                ref = n.raw.get(prop)
                if ref in (None, ""):
                    continue
                target_cfg = config_ids.get(ref) if isinstance(ref, str) else None
                if target_cfg is None:
                    problems.append(FlowProblem(n.id, n.type, prop,
                                                f"refers to config node {ref!r} which does not exist"))
                elif ctype and target_cfg.type != ctype:
                    problems.append(FlowProblem(n.id, n.type, prop,
                                                f"refers to {ref!r} of type {target_cfg.type!r}, "
                                                f"needs a {ctype!r} config node"))
        if check_node is not None and known(n.type) and not n.disabled:
            problems.extend(check_node(n.raw))
    problems.extend(_config_cycles(fs, config_ids))
    problems.extend(_subflow_recursion(fs))
    if info:
        problems.extend(_wiring_cycles(fs))
    order = {"error": 0, "warning": 1, "info": 2}
    problems.sort(key=lambda p: order.get(p.level, 3))
    return problems


def _config_cycles(fs: FlowSet, config_ids: Mapping[str, NodeConfig]) -> list[FlowProblem]:
    g: nx.DiGraph[str] = nx.DiGraph()
    for cid, c in config_ids.items():
        for ref in config_refs(c.raw, config_ids):
            g.add_edge(cid, ref)
    out = []
    for comp in nx.strongly_connected_components(g):
        if len(comp) > 1 or any(g.has_edge(c, c) for c in comp):
            first = sorted(comp)[0]
            out.append(FlowProblem(first, config_ids[first].type, None,
                                   "circular config node dependency: " + " -> ".join(sorted(comp))))
    return out


def _subflow_recursion(fs: FlowSet) -> list[FlowProblem]:
    g: nx.DiGraph[str] = nx.DiGraph()
    for n in fs.nodes.values():
        sid = n.subflow_id
        if sid is not None and n.z in fs.subflows:
            g.add_edge(n.z, sid)
    out = []
    for comp in nx.strongly_connected_components(g):
        if len(comp) > 1 or any(g.has_edge(c, c) for c in comp):
            first = sorted(comp)[0]
            out.append(FlowProblem(first, "subflow", None,
                                   "subflow contains an instance of itself: " + ", ".join(sorted(comp))))
    return out


def _wiring_cycles(fs: FlowSet) -> list[FlowProblem]:
    g: nx.DiGraph[str] = nx.DiGraph()
    for n in fs.nodes.values():
        for targets in n.wires:
            for t in targets:
                g.add_edge(n.id, t)
    out = []
    for comp in nx.strongly_connected_components(g):
        if len(comp) > 1 or any(g.has_edge(c, c) for c in comp):
            first = sorted(comp)[0]
            node = fs.nodes.get(first)
            out.append(FlowProblem(first, node.type if node else None, "wires",
                                   "wiring loop through " + ", ".join(sorted(comp)), "info"))
    return out


# ----------------------------------------------------------------------------------------------
# compilation


@dataclass(frozen=True)
class NodeSpec:
    """One node to run: its (possibly rewritten) config and where it belongs.

    ``root`` is the top-level id a deploy diff decides on: the node itself, or the outermost
    subflow instance it was copied for.
    """

    id: str
    type: str
    config: dict[str, Any]
    wires: tuple[tuple[str, ...], ...]
    root: str
    flow: str
    is_config: bool = False


@dataclass(frozen=True)
class FlowSpec:
    """One running flow: a tab, a subflow instance, or the global flow of global config nodes."""

    id: str
    kind: str  # "tab" | "subflow" | "global"
    path: str
    parent: str | None
    tab: TabConfig | None = None
    instance: NodeConfig | None = None
    subflow: SubflowConfig | None = None
    groups: dict[str, GroupConfig] = field(default_factory=dict)
    nodes: list[NodeSpec] = field(default_factory=list)
    instance_config: dict[str, Any] | None = None


@dataclass(frozen=True)
class CompiledFlows:
    """All flows to run. ``flows`` parents come before children; nodes by id across flows."""

    flows: dict[str, FlowSpec]
    nodes: dict[str, NodeSpec]


def link_targets(fs: FlowSet) -> dict[str, list[str]]:
    """Compiled wires of every ``link out`` in link mode: the union of both sides' ``links``."""
    out: dict[str, list[str]] = {}
    for n in fs.nodes.values():
        if n.type == "link out" and n.raw.get("mode", "link") != "return":
            links = n.raw.get("links")
            out[n.id] = [t for t in (links if isinstance(links, list) else [])
                         if isinstance(t, str) and _is_link_in(fs, t, n.z)]
    for n in fs.nodes.values():
        if n.type == "link in":
            links = n.raw.get("links")
            for src in links if isinstance(links, list) else []:
                targets = out.get(src)
                if targets is not None and n.id not in targets and _same_scope(fs, src, n.z):
                    targets.append(n.id)
    return out


def _is_link_in(fs: FlowSet, target: str, z: str | None) -> bool:
    t = fs.nodes.get(target)
    return t is not None and t.type == "link in" and _same_scope(fs, target, z)


def _same_scope(fs: FlowSet, other: str, z: str | None) -> bool:
    """Links cross tabs freely, but a subflow's links stay inside that subflow."""
    o = fs.nodes.get(other)
    if o is None:
        return False
    return (o.z in fs.subflows or z in fs.subflows) is False or o.z == z


def _copy_id(instance_id: str, original: str) -> str:
    return hashlib.sha256(f"{instance_id}\x00{original}".encode()).hexdigest()[:16]


def compile_flows(fs: FlowSet) -> CompiledFlows:
    """The running shape of a configuration (enabled tabs, enabled nodes, expanded subflows)."""
    links = link_targets(fs)
    flows: dict[str, FlowSpec] = {}
    nodes: dict[str, NodeSpec] = {}
    gflow = FlowSpec(GLOBAL_FLOW, "global", GLOBAL_FLOW, None, groups={})
    flows[GLOBAL_FLOW] = gflow
    for n in _config_order([n for n in fs.nodes.values() if n.is_config and n.z is None and not n.disabled]):
        spec = NodeSpec(n.id, n.type, dict(n.raw), (), n.id, GLOBAL_FLOW, True)
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
            wires = n.wires
            if n.id in links:
                wires = (tuple(links[n.id]),)
            spec = NodeSpec(n.id, n.type, dict(n.raw), wires, n.id, tab.id, n.is_config)
            if wires is not n.wires:
                spec.config["wires"] = [list(p) for p in wires]
            flow.nodes.append(spec)
            nodes[n.id] = spec
            if n.subflow_id is not None and n.subflow_id in fs.subflows:
                _expand(fs, links, n, spec, flow, n.id, flows, nodes, depth=0)
    return CompiledFlows(flows, nodes)


def _config_order(configs: list[NodeConfig]) -> list[NodeConfig]:
    """Config nodes with the ones they reference first (file order otherwise; cycles kept as is)."""
    by_id = {c.id: c for c in configs}
    g: nx.DiGraph[str] = nx.DiGraph()
    g.add_nodes_from(by_id)
    for c in configs:
        for ref in config_refs(c.raw, by_id):
            if ref != c.id:
                g.add_edge(ref, c.id)
    if g.number_of_edges() == 0 or not nx.is_directed_acyclic_graph(g):
        return configs
    position = {c.id: i for i, c in enumerate(configs)}
    order = nx.lexicographical_topological_sort(g, key=lambda nid: position[nid])
    return [by_id[nid] for nid in order]


def _expand(
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
            _expand(fs, links, n, spec, flow, root, flows, nodes, depth + 1)
    if status_id is not None:
        cfg = {"id": status_id, "type": "subflow-status", "z": inst_spec.id, "wires": []}
        spec = NodeSpec(status_id, "subflow-status", cfg, (), root, flow.id)
        flow.nodes.append(spec)
        nodes[status_id] = spec


# ----------------------------------------------------------------------------------------------
# deploy diff


@dataclass(frozen=True)
class DeployPlan:
    """Top-level ids to stop (old config), start (new config) and rewire in place."""

    full: bool
    stop: frozenset[str]
    start: frozenset[str]
    rewire: frozenset[str]
    changed: frozenset[str] = frozenset()
    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()
    rewired: frozenset[str] = frozenset()
    linked: frozenset[str] = frozenset()


def _top_level(fs: FlowSet) -> dict[str, NodeConfig]:
    """Running top-level nodes: on an enabled tab, or global config nodes; not disabled."""
    out = {}
    for n in fs.nodes.values():
        if n.disabled:
            continue
        if n.z is None and n.is_config:
            out[n.id] = n
        elif n.z is not None:
            tab = fs.tabs.get(n.z)
            if tab is not None and not tab.disabled:
                out[n.id] = n
    return out


def _props(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if k not in _IGNORED_FOR_CHANGE}


def _subflow_changed(old: FlowSet, new: FlowSet) -> set[str]:
    """Subflow definitions whose definition or internal nodes changed (incl. nested ones)."""
    changed = set()
    for sid, sf in new.subflows.items():
        osf = old.subflows.get(sid)
        if osf is None:
            continue
        if (_subflow_shape(osf) != _subflow_shape(sf)
                or {n.id: n.raw for n in old.members(sid)} != {n.id: n.raw for n in new.members(sid)}
                or _group_shape(old, sid) != _group_shape(new, sid)):
            changed.add(sid)
    # a subflow containing an instance of a changed subflow changed too
    grew = True
    while grew:
        grew = False
        for sid in new.subflows:
            if sid in changed:
                continue
            if any(n.subflow_id in changed for n in new.members(sid)):
                changed.add(sid)
                grew = True
    return changed


def _subflow_shape(sf: SubflowConfig) -> Any:
    return (_props({k: v for k, v in sf.raw.items() if k not in ("in", "out", "status")}),
            sf.inputs, sf.outputs, sf.status)


def _group_shape(fs: FlowSet, z: str) -> Any:
    return {g.id: (g.name, g.env, g.g) for g in fs.groups.values() if g.z == z}


def deploy_diff(old: FlowSet, new: FlowSet, deploy_type: str) -> DeployPlan:
    """Which top-level nodes a deploy of ``deploy_type`` stops, starts and rewires."""
    old_top, new_top = _top_level(old), _top_level(new)
    og, ng = old.global_config, new.global_config
    gc_changed = (og is None) != (ng is None) or (og is not None and ng is not None and og.raw != ng.raw)
    if deploy_type not in ("nodes", "flows") or gc_changed:
        return DeployPlan(True, frozenset(old_top), frozenset(new_top), frozenset())
    added = set(new_top) - set(old_top)
    removed = set(old_top) - set(new_top)
    changed: set[str] = set()
    rewired: set[str] = set()
    sf_changed = _subflow_changed(old, new)
    changed_groups = {gid for gid, g in new.groups.items()
                      if gid in old.groups and (g.name, g.env, g.g) != (old.groups[gid].name,
                                                                           old.groups[gid].env,
                                                                           old.groups[gid].g)}
    env_tabs = {tid for tid, t in new.tabs.items() if tid in old.tabs and t.env != old.tabs[tid].env}
    old_links, new_links = link_targets(old), link_targets(new)
    for nid, n in new_top.items():
        o = old_top.get(nid)
        if o is None:
            continue
        if (_props(o.raw) != _props(n.raw) or n.subflow_id in sf_changed or n.z in env_tabs
                or _in_groups(new, n.g, changed_groups) or _in_groups(old, o.g, changed_groups)):
            changed.add(nid)
        elif (o.wires, old_links.get(nid)) != (n.wires, new_links.get(nid)):
            rewired.add(nid)
    # nodes using a changed/added/removed config node changed too (transitively)
    config_ids = {nid for nid, n in {**old_top, **new_top}.items() if n.is_config}
    dirty_cfg = config_ids & (changed | added | removed)
    sf_refs = _subflow_config_refs(new, config_ids) if dirty_cfg else {}
    while dirty_cfg:
        nxt: set[str] = set()
        for nid, n in new_top.items():
            if nid in changed or nid in added:
                continue
            refs = set(config_refs(n.raw, config_ids)) | sf_refs.get(n.subflow_id or "", set())
            if refs & dirty_cfg:
                changed.add(nid)
                if n.is_config:
                    nxt.add(nid)
        dirty_cfg = nxt
    # a rewired subflow instance restarts (its internal nodes carry the outside wires)
    for nid in list(rewired):
        if new_top[nid].subflow_id is not None:
            rewired.discard(nid)
            changed.add(nid)
    linked: set[str] = set()
    if deploy_type == "flows":
        seeds = changed | added | removed | rewired
        graph: nx.Graph[str] = nx.Graph()
        for top, lt in ((old_top, old_links), (new_top, new_links)):
            for nid, n in top.items():
                graph.add_node(nid)
                for targets in ((tuple(lt[nid]),) if nid in lt else n.wires):
                    for t in targets:
                        if t in top:
                            graph.add_edge(nid, t)
        for seed in seeds:
            if seed in graph:
                linked |= nx.node_connected_component(graph, seed)
        linked -= seeds
    stop = (changed | removed | linked | (rewired if deploy_type == "flows" else set())) & set(old_top)
    start = (changed | added | linked | (rewired if deploy_type == "flows" else set())) & set(new_top)
    rewire = rewired if deploy_type == "nodes" else set()
    return DeployPlan(False, frozenset(stop), frozenset(start), frozenset(rewire), frozenset(changed),
                      frozenset(added), frozenset(removed), frozenset(rewired), frozenset(linked))


def _subflow_config_refs(fs: FlowSet, config_ids: set[str]) -> dict[str, set[str]]:
    """Config nodes used inside each subflow definition (through nested instances too)."""
    refs: dict[str, set[str]] = {}
    for sid in fs.subflows:
        refs[sid] = {r for n in fs.members(sid) for r in config_refs(n.raw, config_ids)}
    for _ in range(len(fs.subflows)):
        grew = False
        for sid in fs.subflows:
            for n in fs.members(sid):
                inner = refs.get(n.subflow_id or "")
                if inner and not inner <= refs[sid]:
                    refs[sid] |= inner
                    grew = True
        if not grew:
            break
    return refs


def _in_groups(fs: FlowSet, gid: str | None, changed: set[str]) -> bool:
    depth = 0
    while gid is not None and depth < 64:
        if gid in changed:
            return True
        g = fs.groups.get(gid)
        gid = g.g if g is not None else None
        depth += 1
    return False
