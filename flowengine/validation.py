"""Validation of a flow configuration: problems keyed by node id, type and property (pure).

Unknown types, duplicate ids (the duplicate is checked too), nodes off any tab, dangling wires
and links (warnings: the runtime drops them, as Node-RED does), config references (missing,
disabled, of the wrong type, unset when required), circular config dependencies, subflows
containing themselves (errors/warnings); wiring loops and the tabs added for nodes whose tab is
not in the file (as Node-RED adds them) are reported as info.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from .errors import FlowProblem
from .graph import config_refs
from .model import SUBFLOW_PREFIX, FlowSet, NodeConfig

__all__ = ["DROPPED_WIRE", "ConfigRef", "missing_types", "validate"]

DROPPED_WIRE = "wired to unknown node"
"""How the warning about a wire to a node that is not in the flows starts (the runtime logs them)."""

_ENV_REF = re.compile(r"\$\{[^{}]+\}")  # a whole-string ${VAR}: resolved when the node is built


@dataclass(frozen=True)
class ConfigRef:
    """A node property that names a config node (schema marker ``"x-config-type"``).

    ``type`` is the config type it needs (``""``: any config node); ``required`` says an unset
    reference (absent or ``""``) is an error; an optional one may stay unset.
    """

    type: str = ""
    required: bool = False


def _all_nodes(fs: FlowSet) -> Iterator[NodeConfig]:
    """Every node object, the ones whose id repeats an earlier one included."""
    yield from fs.nodes.values()
    yield from fs.duplicates


def missing_types(fs: FlowSet, known: Callable[[str], bool]) -> list[str]:
    """Types used by the configuration that no node package provides (sorted, unique)."""
    out: set[str] = set()
    # Each type once (the answer depends on the type alone): a deploy asks twice, and asking per
    # node was a tenth of a one-node deploy of 10,000 nodes.
    for type_name in {n.type for n in _all_nodes(fs)}:
        if type_name.startswith(SUBFLOW_PREFIX):
            if type_name[len(SUBFLOW_PREFIX):] not in fs.subflows:
                out.add(type_name)
        elif not known(type_name):
            out.add(type_name)
    return sorted(out)


def validate(
    fs: FlowSet,
    known: Callable[[str], bool],
    check_node: Callable[[Any], list[FlowProblem]] | None = None,
    config_types: Callable[[str], Mapping[str, ConfigRef | str]] | None = None,
    *,
    info: bool = True,
    cached: Mapping[str, tuple[FlowProblem, ...]] | None = None,
    found: dict[str, tuple[FlowProblem, ...]] | None = None,
) -> list[FlowProblem]:
    """Every problem of the configuration, errors first.

    ``known(type)`` says whether a type is registered; ``check_node(raw)`` validates one node's
    properties (the registry's JSON schema); ``config_types(type)`` maps property names that must
    name a config node to a ``ConfigRef`` (a plain string is the type of an optional reference).
    ``info=False`` skips the informational checks (wiring loops), which a deploy does not need.

    Each node's own problems (its properties, its references to other objects) are what
    ``found`` receives by node id; ``cached`` gives them for nodes not to check again (a deploy
    passes the previous deploy's for the nodes whose text did not change, when nothing they
    refer to can have changed: see ``deploy_memo``).
    """
    problems = list(fs.problems)
    # per type, once: the answers depend on the type alone (10,000 nodes are a handful of types)
    known = functools.cache(known)
    config_types = functools.cache(config_types) if config_types is not None else None
    containers = set(fs.tabs) | set(fs.subflows)
    config_ids = {n.id: n for n in fs.nodes.values() if n.is_config}
    for t in missing_types(fs, known):
        users = [n for n in _all_nodes(fs) if n.type == t]
        problems.append(FlowProblem(users[0].id if users else None, t, "type",
                                    f"unknown node type {t!r}: install the package that provides it",
                                    "error"))
    problems.extend(_added_tabs(fs))
    for n in fs.nodes.values():
        own = cached.get(n.id) if cached is not None else None
        if own is None:
            own = _node_problems(fs, n, containers, known, check_node, config_types)
        if found is not None:
            found[n.id] = own
        problems.extend(own)
    for n in fs.duplicates:
        problems.extend(_node_problems(fs, n, containers, known, check_node, config_types))
    problems.extend(_config_cycles(fs, config_ids))
    problems.extend(_subflow_recursion(fs))
    if info:
        problems.extend(_wiring_cycles(fs))
    order = {"error": 0, "warning": 1, "info": 2}
    problems.sort(key=lambda p: order.get(p.level, 3))
    return problems


def _node_problems(
    fs: FlowSet,
    n: NodeConfig,
    containers: AbstractSet[str],
    known: Callable[[str], bool],
    check_node: Callable[[Any], list[FlowProblem]] | None,
    config_types: Callable[[str], Mapping[str, ConfigRef | str]] | None,
) -> tuple[FlowProblem, ...]:
    """One node's problems: where it is, its wires and links, its properties, its config references."""
    problems: list[FlowProblem] = []
    if n.z is not None and n.z not in containers:
        what = fs.by_id(n.z)
        kind = f"a {what.get('type')!r} object" if what is not None else "not in the file"
        problems.append(FlowProblem(n.id, n.type, "z", f"node is on {n.z!r}, which is {kind}, not a tab or "
                                    "subflow: set 'z' to the id of its tab"))
    elif n.z is None and not n.is_config:
        problems.append(FlowProblem(n.id, n.type, "z", "node is not on any tab (missing 'z')"))
    if n.g is not None and n.g not in fs.groups:
        problems.append(FlowProblem(n.id, n.type, "g", f"unknown group {n.g!r}", "warning"))
    for port, targets in enumerate(n.wires):
        for target in targets:
            tnode = fs.nodes.get(target)
            if tnode is None:
                problems.append(FlowProblem(n.id, n.type, f"wires[{port}]",
                                            f"{DROPPED_WIRE} {target!r}, which is not in the flows: "
                                            "the wire is dropped", "warning"))
            elif tnode.is_config and _type_known(tnode, known):
                # (a node of unknown type without x/y only looks like a config node: its
                # unknown type is the problem, reported above)
                problems.append(FlowProblem(n.id, n.type, f"wires[{port}]",
                                            f"wired to config node {target!r}"))
    if n.type in ("link out", "link in", "link call"):
        links = n.raw.get("links")
        for target in links if isinstance(links, list) else []:
            if target not in fs.nodes:
                problems.append(FlowProblem(n.id, n.type, "links",
                                            f"linked to unknown node {target!r}", "warning"))
    runs = known(n.type) and not n.disabled and not _on_disabled_tab(fs, n)
    own = check_node(n.raw) if check_node is not None and known(n.type) and not n.disabled else []
    problems.extend(own)
    if config_types is not None and runs:
        reported = {p.property for p in own}
        for prop, ref in config_types(n.type).items():
            spec = ref if isinstance(ref, ConfigRef) else ConfigRef(ref)
            problem = _config_ref_problem(fs, n, prop, spec, absent_reported=prop in reported)
            if problem is not None:
                problems.append(problem)
    return tuple(problems)


def _added_tabs(fs: FlowSet) -> list[FlowProblem]:
    """One note per tab added for nodes whose ``z`` names no tab in the file (as Node-RED does)."""
    return [FlowProblem(t.id, "tab", "z", f"{len(fs.members(t.id))} node(s) name tab {t.id!r}, which the file "
                        "does not contain: it is added (as Node-RED does), without a label", "info")
            for t in fs.tabs.values() if t.added]


def _type_known(n: NodeConfig, known: Callable[[str], bool]) -> bool:
    sid = n.subflow_id
    return known(n.type) if sid is None else True


def _on_disabled_tab(fs: FlowSet, n: NodeConfig) -> bool:
    tab = fs.tabs.get(n.z) if n.z is not None else None
    return tab is not None and tab.disabled


def _config_ref_problem(
    fs: FlowSet, n: NodeConfig, prop: str, spec: ConfigRef, *, absent_reported: bool
) -> FlowProblem | None:
    """What is wrong with ``n``'s reference ``prop`` to a config node (None when nothing).

    A node whose config node is absent would fail when it starts in Node-RED; here the deploy is
    refused instead. A disabled config node (or one on a disabled tab) is a warning: Node-RED
    loads the flow and the node runs without its config node.
    """
    needs = f"a {spec.type!r} config node" if spec.type else "a config node"
    ref = n.raw.get(prop)
    if ref is None or ref == "":
        if not spec.required or (ref is None and absent_reported):
            return None
        name = n.raw.get("name")
        who = f"node {name!r} " if isinstance(name, str) and name else ""
        return FlowProblem(n.id, n.type, prop, f"{who}needs {needs}: set {prop!r} to the id of one")
    if not isinstance(ref, str):
        return FlowProblem(n.id, n.type, prop, f"must be the id of {needs}, not {ref!r}")
    if _ENV_REF.fullmatch(ref):
        return None
    target = fs.nodes.get(ref)
    fix = f"add it or set {prop!r} to another {spec.type or 'config'} node"
    if target is None:
        return FlowProblem(n.id, n.type, prop, f"refers to config node {ref!r}, which does not exist: {fix}")
    if not target.is_config:
        return FlowProblem(n.id, n.type, prop,
                           f"refers to {ref!r}, a {target.type!r} node, which is not a config node; needs {needs}")
    if target.disabled or _on_disabled_tab(fs, target):
        # Node-RED loads such a flow: the disabled config node is not started, and the node finds
        # no config node under that id (RED.nodes.getNode gives null), as if the property were unset
        where = "is disabled" if target.disabled else f"is on disabled tab {target.z!r}"
        return FlowProblem(n.id, n.type, prop,
                           f"refers to config node {ref!r} ({target.type}), which {where} and so does not "
                           f"run: this node starts without it (enable it or set {prop!r} to another)", "warning")
    if spec.type and target.type != spec.type:
        return FlowProblem(n.id, n.type, prop,
                           f"refers to {ref!r} of type {target.type!r}, needs {needs}")
    if target.z in fs.subflows and target.z != n.z:
        return FlowProblem(n.id, n.type, prop,
                           f"refers to config node {ref!r}, which belongs to subflow {target.z!r}: only that "
                           f"subflow's nodes can use it")
    return None


def _cycles(edges: list[tuple[str, str]]) -> list[set[str]]:
    """The loops of a directed graph given by its edges: strongly connected components of more than
    one node, or one node with an edge to itself. networkx is imported only when there are edges
    (most flows have none of these references: start-up and deploys do not load it)."""
    if not edges:
        return []
    import networkx as nx

    g: nx.DiGraph[str] = nx.DiGraph()
    g.add_edges_from(edges)
    return [comp for comp in nx.strongly_connected_components(g)
            if len(comp) > 1 or any(g.has_edge(c, c) for c in comp)]


def _config_cycles(fs: FlowSet, config_ids: Mapping[str, NodeConfig]) -> list[FlowProblem]:
    edges = [(cid, ref) for cid, c in config_ids.items() for ref in config_refs(c.raw, config_ids)]
    out = []
    for comp in _cycles(edges):
        first = sorted(comp)[0]
        out.append(FlowProblem(first, config_ids[first].type, None,
                               "circular config node dependency: " + " -> ".join(sorted(comp))))
    return out


def _subflow_recursion(fs: FlowSet) -> list[FlowProblem]:
    if not fs.subflows:  # no subflow, no edge: every node need not be looked at
        return []
    edges = [(n.z, sid) for n in fs.nodes.values()
             if (sid := n.subflow_id) is not None and n.z is not None and n.z in fs.subflows]
    return [FlowProblem(sorted(comp)[0], "subflow", None,
                        "subflow contains an instance of itself: " + ", ".join(sorted(comp)))
            for comp in _cycles(edges)]


def _wiring_cycles(fs: FlowSet) -> list[FlowProblem]:
    edges = [(n.id, t) for n in fs.nodes.values() for targets in n.wires for t in targets]
    out = []
    for comp in _cycles(edges):
        first = sorted(comp)[0]
        node = fs.nodes.get(first)
        out.append(FlowProblem(first, node.type if node else None, "wires",
                               "wiring loop through " + ", ".join(sorted(comp)), "info"))
    return out
