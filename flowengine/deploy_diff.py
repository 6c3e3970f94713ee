"""``deploy_diff``: which top-level nodes a ``full`` / ``nodes`` / ``flows`` deploy stops,
starts and rewires (pure).

Node-RED's rules (FACTS section 6), except that a rewired node really gets its new wires in place
in a ``nodes`` deploy.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from .graph import config_refs, link_targets
from .model import FlowSet, NodeConfig, SubflowConfig

__all__ = ["DeployPlan", "deploy_diff"]

_IGNORED_FOR_CHANGE = frozenset({"x", "y", "wires", "credentials"})


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


def _subflow_changed(old: FlowSet, new: FlowSet, creds_changed: AbstractSet[str]) -> set[str]:
    """Subflow definitions whose definition or internal nodes (or their credentials) changed, incl.
    nested ones."""
    changed = set()
    for sid, sf in new.subflows.items():
        osf = old.subflows.get(sid)
        if osf is None:
            continue
        if (_subflow_shape(osf) != _subflow_shape(sf)
                or any(n.id in creds_changed for n in new.members(sid))
                or _internal_nodes(old, sid) != _internal_nodes(new, sid)
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


def _internal_nodes(fs: FlowSet, sid: str) -> dict[str, dict[str, Any]]:
    """A subflow's nodes as compared for a change: position aside (moving one restarts nothing, as in
    Node-RED), wiring kept (it is the subflow's own routing)."""
    return {n.id: {k: v for k, v in n.raw.items() if k not in ("x", "y")} for n in fs.members(sid)}


def _subflow_shape(sf: SubflowConfig) -> Any:
    return (_props({k: v for k, v in sf.raw.items() if k not in ("in", "out", "status")}),
            sf.inputs, sf.outputs, sf.status)


def _group_shape(fs: FlowSet, z: str) -> Any:
    return {g.id: (g.name, g.env, g.g) for g in fs.groups.values() if g.z == z}


def deploy_diff(old: FlowSet, new: FlowSet, deploy_type: str,
                creds_changed: AbstractSet[str] = frozenset(), *,
                unchanged: AbstractSet[str] = frozenset()) -> DeployPlan:
    """Which top-level nodes a deploy of ``deploy_type`` stops, starts and rewires.

    ``creds_changed``: ids of nodes whose credentials this deploy changed (credentials are not in
    the flow config, so the caller says): they count as changed, as in Node-RED, so a new API key
    reaches the running config node and, through it, its users. ``unchanged``: ids of nodes whose
    JSON text is the one ``old``'s node was parsed from (``FlowSet.reused``): their properties and
    wires are not compared again."""
    old_top, new_top = _top_level(old), _top_level(new)
    og, ng = old.global_config, new.global_config
    gc_changed = (og is None) != (ng is None) or (og is not None and ng is not None and og.raw != ng.raw)
    added = set(new_top) - set(old_top)
    removed = set(old_top) - set(new_top)
    if deploy_type not in ("nodes", "flows") or gc_changed:  # everything restarts; the deleted close as removed
        return DeployPlan(True, frozenset(old_top), frozenset(new_top), frozenset(), added=frozenset(added),
                          removed=frozenset(removed))
    changed: set[str] = set()
    rewired: set[str] = set()
    sf_changed = _subflow_changed(old, new, creds_changed)
    changed_groups = {gid for gid, g in new.groups.items()
                      if gid in old.groups and (g.name, g.env, g.g) != (old.groups[gid].name,
                                                                           old.groups[gid].env,
                                                                           old.groups[gid].g)}
    env_tabs = {tid for tid, t in new.tabs.items() if tid in old.tabs and t.env != old.tabs[tid].env}
    old_links, new_links = link_targets(old), link_targets(new)
    # nothing around the nodes changed: a node of unchanged text changed only if its links did
    plain = not (creds_changed or sf_changed or changed_groups or env_tabs)
    for nid, n in new_top.items():
        o = old_top.get(nid)
        if o is None:
            continue
        if plain and nid in unchanged:
            if (nid in old_links or nid in new_links) and old_links.get(nid) != new_links.get(nid):
                rewired.add(nid)
            continue
        # raw dicts equal (C comparison): nothing else to compare, the common case of a big flow
        if ((o.raw != n.raw and _props(o.raw) != _props(n.raw)) or nid in creds_changed or n.subflow_id in sf_changed
                or n.z in env_tabs
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
    seeds = changed | added | removed | rewired
    if deploy_type == "flows" and seeds:
        import networkx as nx  # here: only a "flows" deploy that changed something asks graph questions

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
