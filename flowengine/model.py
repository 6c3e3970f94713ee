"""The flow file as frozen dataclasses: Node-RED flow JSON in, a ``FlowSet`` out, and the ``rev`` hash.

JSON is converted here, at the boundary. Every object keeps its original dict in ``raw`` (node
types read their properties from it, and a re-export must give the file back verbatim, unknown
types included).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from .errors import FlowProblem

__all__ = [
    "EnvEntry",
    "FlowSet",
    "GroupConfig",
    "NodeConfig",
    "SubflowConfig",
    "TabConfig",
    "flows_rev",
    "node_texts",
    "parse_flows",
]

SUBFLOW_PREFIX = "subflow:"
_CONTAINER_TYPES = frozenset({"tab", "subflow", "group"})


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_COMPACT = _ENCODER.encode


def node_texts(flows: list[Any]) -> list[str]:
    """The compact JSON of each item of ``flows``: what ``flows_rev`` hashes, joined, the keys under
    which the flows file keeps each node's indented text (storage.pretty_json), and the keys under
    which a deploy finds what it parsed and validated for an unchanged node (``parse_flows``'s
    ``previous``).

    One C encoder serves every item (``JSONEncoder.encode`` builds one per call: a third of the
    time for a node); the text is the one ``encode`` gives, errors included."""
    if c_make_encoder is None:  # a Python without the C accelerator
        return [_COMPACT(item) for item in flows]
    enc = _ENCODER
    # markers: the circular-reference check, emptied as each item is left (an error ends the call)
    encode = c_make_encoder({}, enc.default, encode_basestring, None, enc.key_separator, enc.item_separator,
                            False, False, True)
    return [_COMPACT(item) if item.__class__ is str else "".join(encode(item, 0)) for item in flows]


def flows_rev(flows: list[dict[str, Any]], texts: list[str] | None = None) -> str:
    """Node-RED's revision: sha256 hex of the compact JSON of the (credential-free) flows
    (``texts``: their ``node_texts``, when the caller has them)."""
    text = "[" + ",".join(texts) + "]" if texts is not None else _COMPACT(flows)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class EnvEntry:
    """One typed environment variable of a tab, group, subflow or global-config node."""

    name: str
    value: Any
    type: str = "str"


@dataclass(frozen=True)
class NodeConfig:
    """A node or config node. ``wires`` has one tuple of target ids per output port."""

    id: str
    type: str
    z: str | None
    raw: Mapping[str, Any]
    wires: tuple[tuple[str, ...], ...] = ()
    g: str | None = None
    disabled: bool = False
    is_config: bool = False
    env_free: bool = False
    """Its text has no ``${``: no property names an environment variable (known only when
    ``parse_flows`` was given the texts; False otherwise)."""

    @property
    def name(self) -> str:
        return str(self.raw.get("name") or "")

    @property
    def subflow_id(self) -> str | None:
        """The subflow definition id when this node is a ``subflow:<id>`` instance."""
        return self.type[len(SUBFLOW_PREFIX):] if self.type.startswith(SUBFLOW_PREFIX) else None


@dataclass(frozen=True)
class TabConfig:
    """A tab (Node-RED's "flow"). ``added`` marks one the file does not contain (see ``parse_flows``)."""

    id: str
    label: str
    disabled: bool
    env: tuple[EnvEntry, ...]
    raw: Mapping[str, Any]
    added: bool = False


@dataclass(frozen=True)
class GroupConfig:
    id: str
    z: str | None
    g: str | None
    name: str
    env: tuple[EnvEntry, ...]
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class SubflowPort:
    """Where a subflow port is wired: (internal node id or the subflow's own id, port)."""

    targets: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class SubflowConfig:
    id: str
    name: str
    env: tuple[EnvEntry, ...]
    inputs: tuple[SubflowPort, ...]
    outputs: tuple[SubflowPort, ...]
    status: SubflowPort | None
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class FlowSet:
    """A parsed configuration: tabs, subflows, groups, nodes (incl. config nodes), in file order.

    ``duplicates`` holds node objects whose id repeats an earlier object's: they are not part of
    the configuration (the first object wins) but are parsed so validation can report their own
    problems (an unknown type, say) besides the duplicate id.
    """

    flows: tuple[Mapping[str, Any], ...]
    tabs: dict[str, TabConfig] = field(default_factory=dict)
    subflows: dict[str, SubflowConfig] = field(default_factory=dict)
    groups: dict[str, GroupConfig] = field(default_factory=dict)
    nodes: dict[str, NodeConfig] = field(default_factory=dict)
    global_config: NodeConfig | None = None
    problems: tuple[FlowProblem, ...] = ()
    by_z: dict[str | None, list[NodeConfig]] = field(default_factory=dict)
    duplicates: tuple[NodeConfig, ...] = ()
    reused: frozenset[str] = frozenset()
    """Ids of the nodes whose text is one ``parse_flows`` was given as ``previous``: parsed before,
    unchanged since (what a deploy need not validate or restart again)."""

    def by_id(self, node_id: str) -> Mapping[str, Any] | None:
        for table in (self.nodes, self.tabs, self.subflows, self.groups):
            item = table.get(node_id)
            if item is not None:
                return item.raw
        return None

    def members(self, container_id: str) -> list[NodeConfig]:
        """Nodes (and config nodes) whose ``z`` is ``container_id``, in file order."""
        return list(self.by_z.get(container_id, ()))


def parse_env(value: Any) -> tuple[EnvEntry, ...]:
    """Typed env entries from a tab/group/subflow ``env`` list (bad entries are skipped)."""
    if not isinstance(value, list):
        return ()
    out = []
    for e in value:
        if isinstance(e, dict) and isinstance(e.get("name"), str):
            out.append(EnvEntry(e["name"], e.get("value"), str(e.get("type") or "str")))
    return tuple(out)


def _port(value: Any) -> SubflowPort:
    targets: list[tuple[str, int]] = []
    wires = value.get("wires") if isinstance(value, dict) else None
    for w in wires or []:
        if isinstance(w, dict) and isinstance(w.get("id"), str):
            port = w.get("port", 0)
            targets.append((w["id"], int(port) if isinstance(port, int | float | str) and str(port).isdigit()
                            else 0))
    return SubflowPort(tuple(targets))


def _wires(node: Mapping[str, Any], problems: list[FlowProblem]) -> tuple[tuple[str, ...], ...]:
    wires = node.get("wires")
    if wires is None:
        return ()
    if not isinstance(wires, list) or not all(isinstance(p, list) for p in wires):
        problems.append(FlowProblem(node.get("id"), node.get("type"), "wires",
                                    "wires must be a list of lists of node ids"))
        return ()
    out = []
    for port in wires:
        ids = []
        for target in port:
            if isinstance(target, str):
                ids.append(target)
            else:
                problems.append(FlowProblem(node.get("id"), node.get("type"), "wires",
                                            f"wire target {target!r} is not a node id"))
        out.append(tuple(ids))
    return tuple(out)


def parse_flows(
    flows: Any,
    is_config_type: Callable[[str], bool | None] | None = None,
    *,
    texts: list[str] | None = None,
    previous: Mapping[str, NodeConfig] | None = None,
    index: dict[str, NodeConfig] | None = None,
) -> FlowSet:
    """Parse a flow JSON array. Structural problems are collected in ``FlowSet.problems``.

    ``is_config_type(type)`` says whether a type is a config node (``None`` when unknown: then
    Node-RED's rule applies, a node without ``x``/``y`` is a config node).

    With ``texts`` (the items' ``node_texts``): a node whose text is a key of ``previous`` (the
    ``index`` of an earlier parse, with the same ``is_config_type``) is not parsed again but copied
    from it with this item as ``raw``, and its id joins ``FlowSet.reused``; ``index`` is filled
    with this parse's nodes by text (the nodes parsed without a problem).
    """
    problems: list[FlowProblem] = []
    if not isinstance(flows, list):
        problems.append(FlowProblem(None, None, None, "flows must be a JSON array of node objects"))
        return FlowSet((), problems=tuple(problems))
    fs = FlowSet(tuple(flows))
    seen: set[str] = set()
    duplicates: list[NodeConfig] = []
    if texts is not None and len(texts) != len(flows):
        raise ValueError(f"{len(texts)} texts for {len(flows)} items")
    reused: set[str] = set()
    if is_config_type is not None:
        is_config_type = functools.cache(is_config_type)  # per type, once (a flow has few types)
    earlier = previous.get if texts is not None and previous else None
    nodes, by_z = fs.nodes, fs.by_z
    for i, item in enumerate(flows):
        if earlier is not None and item.__class__ is dict:
            text = texts[i]  # type: ignore[index]  # set with ``earlier``
            node = earlier(text)
            if node is not None and (same_id := node.id) not in seen:
                # the same text: the same id, type, z, wires... (the text holds them all) and no problem
                if node.raw is not item:  # the same dict when the server took the item over
                    node = _with_raw(node, item)
                seen.add(same_id)
                reused.add(same_id)
                if node.type == "global-config":
                    object.__setattr__(fs, "global_config", node)
                nodes[same_id] = node
                z = node.z
                members = by_z.get(z)
                if members is None:
                    by_z[z] = [node]
                else:
                    members.append(node)
                if index is not None:
                    index[text] = node
                continue
        if not isinstance(item, dict):
            problems.append(FlowProblem(None, None, None, f"entry {i} is not an object"))
            continue
        nid, ntype = item.get("id"), item.get("type")
        if not isinstance(nid, str) or not nid:
            problems.append(FlowProblem(None, ntype if isinstance(ntype, str) else None, "id",
                                        f"entry {i} has no string id"))
            continue
        if not isinstance(ntype, str) or not ntype:
            problems.append(FlowProblem(nid, None, "type", "node has no type"))
            continue
        if nid in seen:
            problems.append(FlowProblem(nid, ntype, "id", f"duplicate id {nid!r}: entry {i} repeats the id of an "
                                        "earlier object; give it a new id"))
            if ntype not in _CONTAINER_TYPES:
                duplicates.append(_node(item, nid, ntype, is_config_type, problems))
            continue
        seen.add(nid)
        if ntype == "tab":
            fs.tabs[nid] = TabConfig(nid, str(item.get("label") or ""), bool(item.get("disabled")),
                                     parse_env(item.get("env")), item)
        elif ntype == "subflow":
            status = item.get("status")
            fs.subflows[nid] = SubflowConfig(
                nid, str(item.get("name") or ""), parse_env(item.get("env")),
                tuple(_port(p) for p in item.get("in") or []),
                tuple(_port(p) for p in item.get("out") or []),
                _port(status) if isinstance(status, dict) else None, item)
        elif ntype == "group":
            fs.groups[nid] = GroupConfig(nid, item.get("z"), item.get("g"), str(item.get("name") or ""),
                                         parse_env(item.get("env")), item)
        else:
            before = len(problems)
            node = _node(item, nid, ntype, is_config_type, problems, texts is not None and "${" not in texts[i])
            if ntype == "global-config":
                object.__setattr__(fs, "global_config", node)
            fs.nodes[nid] = node
            fs.by_z.setdefault(node.z, []).append(node)
            if index is not None and texts is not None and len(problems) == before:
                index[texts[i]] = node
    _add_missing_tabs(fs)
    object.__setattr__(fs, "problems", tuple(problems))
    object.__setattr__(fs, "duplicates", tuple(duplicates))
    object.__setattr__(fs, "reused", frozenset(reused))
    return fs


def _with_raw(node: NodeConfig, raw: Mapping[str, Any]) -> NodeConfig:
    """``node`` with another ``raw`` of the same text (a copy of its fields, not a new parse)."""
    fields = node.__dict__.copy()
    fields["raw"] = raw
    copy = _new(NodeConfig)
    _set(copy, "__dict__", fields)  # the dict of fields as a whole: a third faster than filling one
    return copy


_new, _set = object.__new__, object.__setattr__


def _add_missing_tabs(fs: FlowSet) -> None:
    """A tab for every ``z`` that names nothing in the file, as Node-RED's runtime adds one.

    Example flows and flows copied from the web hold nodes but not their tab (the editor puts
    imported nodes on the current tab). Node-RED's ``parseConfig`` (runtime/lib/flows/util.js,
    ``addedTabs``) then runs them on a tab ``{"type": "tab", "id": z}``: no label, after the
    file's own tabs in order of first use. The tab exists only in the running configuration: the
    flow file (``FlowSet.flows``, ``GET /flows``, an export) stays as it was. A ``z`` naming a
    node or group of the file is left alone (validation reports it).
    """
    taken = fs.nodes.keys() | fs.groups.keys()
    for z in list(fs.by_z):
        if z is not None and z not in fs.tabs and z not in fs.subflows and z not in taken:
            fs.tabs[z] = TabConfig(z, "", False, (), {"id": z, "type": "tab"}, added=True)


def _node(
    item: Mapping[str, Any],
    nid: str,
    ntype: str,
    is_config_type: Callable[[str], bool | None] | None,
    problems: list[FlowProblem],
    env_free: bool = False,
) -> NodeConfig:
    known = is_config_type(ntype) if is_config_type else None
    if ntype.startswith(SUBFLOW_PREFIX) or ntype == "junction":
        known = False
    elif ntype == "global-config":
        known = True
    is_config = known if known is not None else not ("x" in item and "y" in item)
    z = item.get("z")
    g = item.get("g")
    return NodeConfig(nid, ntype, z if isinstance(z, str) and z else None, item,
                      () if is_config else _wires(item, problems),
                      g if isinstance(g, str) else None, item.get("d") is True, is_config, env_free)
