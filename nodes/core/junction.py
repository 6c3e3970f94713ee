"""``junction``: a wire routing point; passes every message on unchanged."""

from __future__ import annotations

from flowengine.node import Node
from flowengine.types import Done, Msg, Send

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

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        send(msg)
        done()


NODES: list[type[Node]] = [Junction]
