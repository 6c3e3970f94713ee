"""The single-flow view of a flow configuration (``/flow/:id``): pure functions, no I/O.

Node-RED's shapes: a tab is ``{"id","label","disabled","info","env","nodes":[...]}`` plus
``configs``/``subflows`` when present; ``global`` is ``{"id":"global","configs":[...with _users],
"subflows"?}``. Subflow definitions are returned with their internal ``nodes`` (and ``configs``).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from typing import Any

from .errors import ApiError

__all__ = ["add_flow", "get_flow", "remove_flow", "update_flow"]

Node = dict[str, Any]
IsConfig = Callable[[Node], bool]

_TAB_KEYS = ("label", "disabled", "locked", "info", "env")


def _new_id(taken: set[str]) -> str:
    while True:
        candidate = os.urandom(8).hex()
        if candidate not in taken:
            return candidate


def _find(flows: list[Node], flow_id: str, kind: str) -> Node | None:
    return next((n for n in flows if n.get("id") == flow_id and n.get("type") == kind), None)


def _find_tab(flows: list[Node], flow_id: str) -> Node | None:
    """The tab ``flow_id``, or for a tab the file lacks but its nodes name (Node-RED's runtime adds
    one, see ``model.parse_flows``) the bare ``{"id", "type": "tab"}`` it runs them on."""
    tab = _find(flows, flow_id, "tab")
    if tab is not None:
        return tab
    if any(n.get("id") == flow_id for n in flows):
        return None  # a subflow, group or node of that id: not a tab
    named = any(n.get("z") == flow_id and n.get("type") not in ("tab", "subflow", "group") for n in flows)
    return {"id": flow_id, "type": "tab"} if named else None


def _subflow_view(sf: Node, flows: list[Node], is_config: IsConfig) -> Node:
    out = copy.deepcopy(sf)
    members = [copy.deepcopy(n) for n in flows if n.get("z") == sf["id"]]
    out["nodes"] = [n for n in members if not is_config(n)]
    configs = [n for n in members if is_config(n)]
    if configs:
        out["configs"] = configs
    return out


def _users_of(config_id: str, flows: list[Node]) -> list[str]:
    return [n["id"] for n in flows
            if n.get("id") != config_id and any(v == config_id for k, v in n.items() if k not in ("id", "z", "g"))]


def get_flow(flows: list[Node], flow_id: str, is_config: IsConfig) -> Node:
    """The ``GET /flow/:id`` body; raises ``ApiError(404)`` for an unknown id."""
    if flow_id == "global":
        out: Node = {"id": "global"}
        configs = []
        for n in flows:
            if not n.get("z") and is_config(n) and n.get("type") not in ("tab", "subflow"):
                c = copy.deepcopy(n)
                c["_users"] = _users_of(n["id"], flows)
                configs.append(c)
        out["configs"] = configs
        subflows = [_subflow_view(n, flows, is_config) for n in flows if n.get("type") == "subflow"]
        if subflows:
            out["subflows"] = subflows
        return out
    tab = _find_tab(flows, flow_id)
    if tab is None:
        raise ApiError(404, "not_found", "Error")
    out = {"id": flow_id}
    for key in _TAB_KEYS:
        if key in tab:
            out[key] = copy.deepcopy(tab[key])
    nodes, configs = [], []
    for n in flows:
        if n.get("z") != flow_id:
            continue
        c = copy.deepcopy(n)
        if is_config(n):
            configs.append(c)
        else:
            if c.get("type") == "link out":
                c.pop("wires", None)
            nodes.append(c)
    out["nodes"] = nodes
    if configs:
        out["configs"] = configs
    return out


def _tab_from(body: Node, flow_id: str) -> Node:
    tab: Node = {"id": flow_id, "type": "tab", "label": body.get("label", ""),
                 "disabled": bool(body.get("disabled", False)), "info": body.get("info", ""),
                 "env": body.get("env", [])}
    if body.get("locked"):
        tab["locked"] = True
    return tab


def _members(body: Node, flow_id: str) -> list[Node]:
    if not isinstance(body.get("nodes"), list):
        raise ApiError(400, "unexpected_error", "missing nodes property")
    out = []
    for key in ("nodes", "configs"):
        for n in body.get(key) or []:
            if not isinstance(n, dict) or "id" not in n:
                raise ApiError(400, "unexpected_error", f"every entry of '{key}' needs an id")
            m = dict(n)
            m["z"] = flow_id
            out.append(m)
    for sf in body.get("subflows") or []:
        out.extend(_subflow_members(sf))
    return out


def _subflow_members(sf: Any) -> list[Node]:
    if not isinstance(sf, dict) or "id" not in sf:
        raise ApiError(400, "unexpected_error", "every subflow needs an id")
    definition = {k: v for k, v in sf.items() if k not in ("nodes", "configs", "instances")}
    inner = [dict(n, z=sf["id"]) for key in ("nodes", "configs") for n in sf.get(key) or []]
    return [definition, *inner]


def _check_unique(new: list[Node], existing: list[Node]) -> None:
    seen = {n.get("id") for n in existing}
    for n in new:
        if n["id"] in seen:
            raise ApiError(400, "unexpected_error", "duplicate id")
        seen.add(n["id"])


def add_flow(flows: list[Node], body: Node) -> tuple[str, list[Node]]:
    """``POST /flow``: a new tab with a generated id; returns (id, new configuration)."""
    if not isinstance(body, dict):
        raise ApiError(400, "unexpected_error", "the body must be a flow object")
    flow_id = _new_id({str(n.get("id")) for n in flows})
    members = _members(body, flow_id)
    _check_unique(members, flows)
    return flow_id, [*flows, _tab_from(body, flow_id), *members]


def _without_tab(flows: list[Node], flow_id: str) -> list[Node]:
    return [n for n in flows if n.get("z") != flow_id]


def update_flow(flows: list[Node], flow_id: str, body: Node, is_config: IsConfig) -> list[Node]:
    """``PUT /flow/:id``: replace one tab (or ``global``: its config nodes and subflows)."""
    if not isinstance(body, dict):
        raise ApiError(400, "unexpected_error", "the body must be a flow object")
    if flow_id == "global":
        subflow_ids = {n["id"] for n in flows if n.get("type") == "subflow"}
        kept = [n for n in flows if not (
            n.get("type") == "subflow" or n.get("z") in subflow_ids
            or (not n.get("z") and is_config(n) and n.get("type") != "tab"))]
        added: list[Node] = [{k: v for k, v in c.items() if k != "_users"} for c in body.get("configs") or []]
        for sf in body.get("subflows") or []:
            added.extend(_subflow_members(sf))
        _check_unique(added, kept)
        return [*kept, *added]
    tab = _find_tab(flows, flow_id)
    if tab is None:
        raise ApiError(404, "not_found", "Error")
    members = _members(body, flow_id)
    rest = _without_tab(flows, flow_id)
    _check_unique(members, [n for n in rest if n.get("id") != flow_id])
    if _find(flows, flow_id, "tab") is None:  # an added tab: the update writes it into the file
        return [*rest, _tab_from(body, flow_id), *members]
    out = [_tab_from(body, flow_id) if n.get("id") == flow_id and n.get("type") == "tab" else n for n in rest]
    return [*out, *members]


def remove_flow(flows: list[Node], flow_id: str) -> list[Node]:
    """``DELETE /flow/:id``: the configuration without the tab and its nodes."""
    if flow_id == "global":
        raise ApiError(400, "unexpected_error", "not allowed to remove global")
    if _find_tab(flows, flow_id) is None:
        raise ApiError(404, "not_found", "Error")
    return [n for n in _without_tab(flows, flow_id) if n.get("id") != flow_id]
