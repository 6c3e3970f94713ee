"""Watching nodes of a flow under test: ``test-sink`` nodes wired beside the node's own wires.

A sink on output port ``p`` of node X gets a clone of every message X sends there (X's own
targets are unchanged). A node with no outputs (debug, http response) is watched on its input:
the sink is wired beside it on every wire that reaches it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .spec import ExpectSpec

__all__ = ["SINK_PREFIX", "sink_id", "watch"]

SINK_PREFIX = "__flowtest__"


def sink_id(node_id: str, where: str) -> str:
    """The id of the sink watching ``node_id`` (``where``: an output port number or ``"in"``)."""
    return f"{SINK_PREFIX}:{node_id}:{where}"


def _watch_input(spec: ExpectSpec, node: dict[str, Any]) -> bool:
    if spec.input is not None:
        return spec.input
    wires = node.get("wires")
    return not (isinstance(wires, list) and wires)


def watch(flows: Iterable[dict[str, Any]], expects: Iterable[ExpectSpec]) -> tuple[list[dict[str, Any]],
                                                                                   list[list[str]]]:
    """``flows`` with sinks wired in for ``expects``, and the sink ids each expectation reads (in order).

    Raises ``KeyError`` naming a node that is not in the flows, or a port it does not have.
    """
    out = [dict(n) for n in flows]
    by_id = {n.get("id"): n for n in out}
    sinks: dict[str, dict[str, Any]] = {}
    reads: list[list[str]] = []
    for spec in expects:
        node = by_id.get(spec.node)
        if node is None:
            raise KeyError(f"node {spec.node!r} is not in the flow")
        if _watch_input(spec, node):
            sid = sink_id(spec.node, "in")
            reads.append([sid])
            if sid not in sinks:
                for other in out:
                    ports = other.get("wires")
                    if isinstance(ports, list) and any(isinstance(p, list) and spec.node in p for p in ports):
                        other["wires"] = [[*p, sid] if isinstance(p, list) and spec.node in p else p for p in ports]
                sinks[sid] = {"id": sid, "type": "test-sink", "z": node.get("z"), "wires": []}
            continue
        ports = list(node.get("wires") or [])
        if spec.port is not None and spec.port >= len(ports):
            raise KeyError(f"node {spec.node!r} has {len(ports)} outputs, no output {spec.port}")
        wanted = range(len(ports)) if spec.port is None else [spec.port]
        reads.append([sink_id(spec.node, str(p)) for p in wanted])
        for p in wanted:
            sid = sink_id(spec.node, str(p))
            if sid not in sinks:
                ports[p] = [*(ports[p] if isinstance(ports[p], list) else []), sid]
                sinks[sid] = {"id": sid, "type": "test-sink", "z": node.get("z"), "wires": []}
        node["wires"] = ports
    for sink in sinks.values():
        if sink["z"] is None:
            del sink["z"]
    return out + list(sinks.values()), reads
