"""Watching nodes of a flow under test: ``test-sink`` nodes wired beside the node's own wires.

A sink on output port ``p`` of node X gets a clone of every message X sends there (X's own
targets are unchanged). A node with no outputs (debug, http response) is watched on its input:
the sink is wired beside it on every wire that reaches it (a subflow's input port included).

A node inside a subflow is named by its id (watched in every instance of the subflow) or by the
path ``instance/node`` (only in that instance; ``outer/inner/node`` for nested instances, each
id as in the flows file), as Node-RED's ``msg.path`` names a node inside instances. Its sink is
wired inside the subflow, so every instance has a copy, which reports under the path of the
instances it runs in (``TestSink.key``); ``Read.matches`` picks the copies an expectation wants.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..subflows import running_id
from .spec import ExpectSpec

__all__ = ["SINK_PREFIX", "Read", "resolve", "running_node_id", "sink_id", "watch"]

SINK_PREFIX = "__flowtest__"


def sink_id(node_id: str, where: str) -> str:
    """The id of the sink watching ``node_id`` (``where``: an output port number or ``"in"``)."""
    return f"{SINK_PREFIX}:{node_id}:{where}"


@dataclass(frozen=True)
class Read:
    """One sink an expectation reads, and the instances it is read in (None: wherever it runs)."""

    sink: str
    instances: tuple[str, ...] | None = None

    def matches(self, key: str) -> bool:
        """Whether a message the sink copy ``key`` (``TestSink.key``) reported is one this read wants."""
        if self.instances is None:
            return key == self.sink or key.endswith("/" + self.sink)
        return key == "/".join((*self.instances, self.sink))


def resolve(by_id: dict[Any, dict[str, Any]], name: str) -> tuple[dict[str, Any], tuple[str, ...] | None]:
    """The node ``name`` names (an id, or ``instance/.../node``) and the instance path it is watched
    in (None: every place it runs). Raises ``KeyError`` saying what does not match."""
    node = by_id.get(name)
    if node is not None or "/" not in name:
        if node is None:
            raise KeyError(f"node {name!r} is not in the flow")
        return node, None
    *chain, inner = name.split("/")
    subflow: str | None = None
    for inst in chain:
        n = by_id.get(inst)
        kind = str(n.get("type") or "") if n is not None else ""
        if n is None or not kind.startswith("subflow:"):
            raise KeyError(f"node {name!r}: {inst!r} is not a subflow instance in the flow")
        if subflow is None and by_id.get(n.get("z"), {}).get("type") == "subflow":
            raise KeyError(f"node {name!r}: instance {inst!r} is inside subflow {n.get('z')!r}; start the path "
                           "at an instance on a tab")
        if subflow is not None and n.get("z") != subflow:
            raise KeyError(f"node {name!r}: instance {inst!r} is not inside subflow {subflow!r}")
        subflow = kind[len("subflow:"):]
    node = by_id.get(inner)
    if node is None or node.get("z") != subflow:
        raise KeyError(f"node {name!r}: subflow {subflow!r} has no node {inner!r}")
    return node, tuple(chain)


def running_node_id(flows: Iterable[dict[str, Any]], name: str) -> str:
    """The id the node ``name`` (an id, or ``instance/.../node``) runs under (for ``send``, ``inject``)."""
    ids = {n.get("id") for n in flows}
    return name if name in ids or "/" not in name else running_id(name.split("/"))


def _watch_input(spec: ExpectSpec, node: dict[str, Any]) -> bool:
    if spec.input is not None:
        return spec.input
    wires = node.get("wires")
    return not (isinstance(wires, list) and wires)


def _wire_input(out: list[dict[str, Any]], target: str, sid: str) -> None:
    """Wire sink ``sid`` beside ``target`` on every wire that reaches it (copies, never in place:
    the flows are shared by the cases of a file)."""
    for other in out:
        ports = other.get("wires")
        if isinstance(ports, list) and any(isinstance(p, list) and target in p for p in ports):
            other["wires"] = [[*p, sid] if isinstance(p, list) and target in p else p for p in ports]
        inputs = other.get("in")
        if other.get("type") == "subflow" and isinstance(inputs, list):
            other["in"] = [_feed(port, target, sid) for port in inputs]


def _feed(port: Any, target: str, sid: str) -> Any:
    wires = port.get("wires") if isinstance(port, dict) else None
    if isinstance(wires, list) and any(isinstance(w, dict) and w.get("id") == target for w in wires):
        return {**port, "wires": [*wires, {"id": sid}]}
    return port


def watch(flows: Iterable[dict[str, Any]], expects: Iterable[ExpectSpec]) -> tuple[list[dict[str, Any]],
                                                                                   list[list[Read]]]:
    """``flows`` with sinks wired in for ``expects``, and the sinks each expectation reads (in order).

    Raises ``KeyError`` naming a node that is not in the flows, or a port it does not have.
    """
    out = [dict(n) for n in flows]
    by_id = {n.get("id"): n for n in out}
    sinks: dict[str, dict[str, Any]] = {}
    reads: list[list[Read]] = []
    for spec in expects:
        node, instances = resolve(by_id, spec.node)
        node_id = str(node["id"])
        if _watch_input(spec, node):
            sid = sink_id(node_id, "in")
            reads.append([Read(sid, instances)])
            if sid not in sinks:
                _wire_input(out, node_id, sid)
                sinks[sid] = {"id": sid, "type": "test-sink", "z": node.get("z"), "wires": []}
            continue
        ports = list(node.get("wires") or [])
        if spec.port is not None and spec.port >= len(ports):
            raise KeyError(f"node {spec.node!r} has {len(ports)} outputs, no output {spec.port}")
        wanted = range(len(ports)) if spec.port is None else [spec.port]
        reads.append([Read(sink_id(node_id, str(p)), instances) for p in wanted])
        for p in wanted:
            sid = sink_id(node_id, str(p))
            if sid not in sinks:
                ports[p] = [*(ports[p] if isinstance(ports[p], list) else []), sid]
                sinks[sid] = {"id": sid, "type": "test-sink", "z": node.get("z"), "wires": []}
        node["wires"] = ports
    for sink in sinks.values():
        if sink["z"] is None:
            del sink["z"]
    return out + list(sinks.values()), reads
