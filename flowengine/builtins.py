"""Node types the engine itself provides: subflow instances, a subflow's status port, global-config."""

from __future__ import annotations

from typing import Any

from .flow import Flow
from .node import Node
from .types import UNDEFINED, Msg

__all__ = ["BUILTIN_TYPES", "GlobalConfigNode", "SubflowInstanceNode", "SubflowStatusNode", "subflow_instance_class"]


class SubflowInstanceNode(Node):
    """The ``subflow:<id>`` node in its parent flow: forwards input to the subflow's input port."""

    type = "subflow"
    category = "subflows"

    def transform(self, msg: Msg) -> Msg:
        return msg


class SubflowStatusNode(Node):
    """Receives what internal nodes send to the subflow's status port; sets the instance status."""

    type = "subflow-status"
    outputs = 0

    def on_input(self, msg: Msg, send: Any, done: Any) -> None:
        flow = self.host
        instance = flow.instance if isinstance(flow, Flow) else None
        if instance is not None:
            payload = msg.get("payload", UNDEFINED)
            status: Any = None
            if isinstance(payload, str):
                status = {"text": payload}
            elif isinstance(payload, dict) and (
                    not payload or any(k in payload for k in ("text", "fill", "shape"))):
                status = payload
            elif isinstance(msg.get("status"), dict):
                status = msg["status"]
            if status is not None:
                instance.status({k: v for k, v in status.items() if k != "source"})
        done()


class GlobalConfigNode(Node):
    """``global-config``: holds the global env vars (read by the runtime); no behaviour."""

    type = "global-config"
    category = "config"
    is_config = True
    inputs = 0
    outputs = 0


BUILTIN_TYPES: dict[str, type[Node]] = {"subflow-status": SubflowStatusNode, "global-config": GlobalConfigNode}
"""Types available without a node package (a registered type of the same name wins)."""


def subflow_instance_class(type_name: str) -> type[Node]:
    """A new ``SubflowInstanceNode`` subclass for ``subflow:<id>`` (callers cache it per type)."""
    return type(f"Subflow_{type_name[8:]}", (SubflowInstanceNode,), {"type": type_name})
