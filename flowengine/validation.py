"""Validation of a flow configuration: problems keyed by node id, type and property (pure).

Unknown types, nodes off any tab, dangling wires and links, config references of the wrong type,
circular config dependencies, subflows containing themselves (errors/warnings); wiring loops are
allowed and reported as info.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import networkx as nx

from .errors import FlowProblem
from .graph import config_refs
from .model import FlowSet, NodeConfig

__all__ = ["missing_types", "validate"]


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
