"""The compiled shape of a flow configuration and the pure helpers the graph modules share.

No I/O and no asyncio. ``NodeSpec`` / ``FlowSpec`` / ``CompiledFlows`` are what ``compiler``
produces and the running flows are built from; ``config_refs`` finds the config nodes a node
refers to; ``link_targets`` compiles link-out ``links`` into ordinary wires. Validation is in
``validation``, compilation in ``compiler`` (subflow instances in ``subflows``), the deploy diff
in ``deploy_diff``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import FlowSet, GroupConfig, NodeConfig, SubflowConfig, TabConfig

__all__ = ["GLOBAL_FLOW", "CompiledFlows", "FlowSpec", "NodeSpec", "config_refs", "link_targets"]

GLOBAL_FLOW = "global"


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
    env_free: bool = False
    """``config`` has no ``${``: building the node has no environment variable to substitute."""


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
    links: dict[str, list[str]] = field(default_factory=dict)
    """The link-out wires compiled in (``link_targets``), by link-out id."""


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
