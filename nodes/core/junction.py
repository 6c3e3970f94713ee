"""``junction``: a wire routing point; passes every message on unchanged."""

from __future__ import annotations

from flowengine.node import Node
from flowengine.types import Msg

from ._help import node_help


class Junction(Node):
    """Pass-through point used to tidy wiring."""

    type = "junction"
    category = "common"
    label = "junction"
    inputs = 1
    outputs = 1
    schema = {"type": "object", "properties": {}}
    help = node_help("junction")

    def transform(self, msg: Msg) -> Msg:
        return msg


NODES: list[type[Node]] = [Junction]
