"""Small builders for flow JSON in the pure engine tests (graph, validation, compiler, subflows, deploy diff)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from flowengine.model import FlowSet, parse_flows


def parser(known: Collection[str], config_types: Collection[str] = ("cfg",)) -> Callable[[Any], FlowSet]:
    """``parse(flows)`` for a registry that knows ``known`` types, ``config_types`` among them config nodes."""
    return lambda flows: parse_flows(flows, lambda t: (t in config_types) if t in known else None)


def tab(tid: str = "t1", **kw: Any) -> dict[str, Any]:
    return {"id": tid, "type": "tab", "label": tid, "disabled": False, "env": [], **kw}


def node(nid: str, typ: str = "change", z: str = "t1", wires: list[list[str]] | None = None,
         **kw: Any) -> dict[str, Any]:
    return {"id": nid, "type": typ, "z": z, "x": 0, "y": 0, "wires": wires if wires is not None else [[]], **kw}
