"""``DeployMemo``: what a deploy keeps for the next one, so that a deploy costs what it changes.

For the running configuration it holds each node's parse (``NodeConfig``) by the node's compact
JSON text (``model.node_texts``, computed anyway for the revision and the flows file) and each
node's own validation problems by id. The next deploy parses only the nodes whose text is new
(``parse_flows(previous=...)``; the others are in ``FlowSet.reused``), validates only those when
nothing the others' checks look at changed (``reusable_problems``), and its diff skips comparing
the reused ones' properties (``deploy_diff(unchanged=...)``).

The key is the whole text, never the id alone: the text holds every property, the wires and the
types of the values (``1``, ``1.0`` and ``true`` are equal in Python, not in JSON). A memo belongs
to one configuration and one state of the registry (``Registry.generation``: a type added since
can change what a node parses or validates to); any other is not used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import FlowProblem
from .model import FlowSet, NodeConfig

__all__ = ["DeployMemo", "reusable_problems"]


@dataclass
class DeployMemo:
    """The parse and validation of the configuration ``fs``, made under registry ``generation``."""

    fs: FlowSet
    generation: int
    nodes: dict[str, NodeConfig] = field(default_factory=dict)
    """Node by its text (``parse_flows``'s ``index``)."""
    problems: dict[str, tuple[FlowProblem, ...]] | None = None
    """Each node's own problems by id (``validate``'s ``found``); None when not validated."""

    def previous(self, generation: int) -> dict[str, NodeConfig] | None:
        """The nodes a new parse may take (None when the registry changed since)."""
        return self.nodes if generation == self.generation else None


def reusable_problems(memo: DeployMemo, fs: FlowSet) -> Mapping[str, tuple[FlowProblem, ...]] | None:
    """The memo's problems of ``fs``'s reused nodes, when they still hold: None when the checks of
    an unchanged node could now find something else.

    A node's own checks look at itself (its text did not change) and, of the rest, only at: which
    node ids exist and each one's type, tab (``z``), group, ``disabled`` and whether it is a config
    node (its wires' and config references' targets, the node ``z`` names), which tabs, subflows and
    groups exist and which tabs are disabled or were added. So the answers hold when no node was
    added or removed, every new text kept those fields of its node, and the containers kept theirs.
    """
    old = memo.fs
    if memo.problems is None or not fs.reused or len(old.nodes) != len(fs.nodes):
        return None
    if (old.subflows.keys() != fs.subflows.keys() or old.groups.keys() != fs.groups.keys()
            or {k: (t.disabled, t.added) for k, t in old.tabs.items()}
            != {k: (t.disabled, t.added) for k, t in fs.tabs.items()}):
        return None
    for nid in fs.nodes.keys() - fs.reused:  # the nodes of a new text (reused ones were in ``old``)
        n, o = fs.nodes[nid], old.nodes.get(nid)
        if o is None or (o.type, o.z, o.g, o.disabled, o.is_config) != (n.type, n.z, n.g, n.disabled, n.is_config):
            return None
    # the reused nodes' only (a changed node's old problems are not its own); a plain dict: the
    # validation asks it once a node, and a Mapping's Python ``get`` cost 1 us a call
    problems = memo.problems
    return {nid: problems[nid] for nid in fs.reused if nid in problems}
