"""``RuntimeStats``: the totals a runtime keeps for its metrics, outside the message path.

Running nodes count their own messages (``NodeStats``, three integer increments on the hot path,
read only when metrics are scraped). When a deploy or shutdown stops a node, its counts are folded
in here by node type and flow, so the totals per type and flow never go back when nodes are
replaced. Deploys are counted by deployment type and result.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .route import Route

__all__ = ["RuntimeStats", "flow_label"]


def flow_label(route: Route) -> str:
    """The tab a running node belongs to (a subflow instance's nodes count for the tab holding it;
    config nodes for ``global``)."""
    return route.flow.path.partition("/")[0]


class RuntimeStats:
    """Counters of stopped nodes by ``(type, flow)``, and deploys by ``(deployment type, result)``."""

    __slots__ = ("deploys", "retired")

    def __init__(self) -> None:
        self.retired: dict[tuple[str, str], list[int]] = {}
        self.deploys: dict[tuple[str, str], int] = {}

    def retire(self, routes: Iterable[Route]) -> None:
        """Fold the counts of nodes that are stopping into the totals."""
        for r in routes:
            s = r.node.stats
            key = (r.node.type, flow_label(r))
            totals = self.retired.get(key)
            if totals is None:
                self.retired[key] = [s.received, s.sent, s.errors]
            else:
                totals[0] += s.received
                totals[1] += s.sent
                totals[2] += s.errors

    def deployed(self, deploy_type: str, result: str) -> None:
        """Count one deploy (``result``: ``ok`` or ``refused``)."""
        key = (deploy_type, result)
        self.deploys[key] = self.deploys.get(key, 0) + 1

    def node_totals(self, routes: Iterable[Route]) -> dict[tuple[str, str], list[int]]:
        """``[received, sent, errors]`` by ``(type, flow)``: stopped nodes plus the running ``routes``."""
        out = {k: list(v) for k, v in self.retired.items()}
        for r in routes:
            s = r.node.stats
            key = (r.node.type, flow_label(r))
            totals = out.get(key)
            if totals is None:
                out[key] = [s.received, s.sent, s.errors]
            else:
                totals[0] += s.received
                totals[1] += s.sent
                totals[2] += s.errors
        return out
