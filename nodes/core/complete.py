"""``complete``: fires when a node in its scope finishes a message (calls ``done()``).

The engine hands it a clone of the finished message with ``msg.complete = {source{id,type,name}}``.
"""

from __future__ import annotations

from flowengine.node import Node
from flowengine.types import Done, Msg, Send

from ._help import node_help


class Complete(Node):
    """Messages completed by the scoped nodes arrive here."""

    type = "complete"
    category = "common"
    color = "#c0edc0"
    label = "complete"
    inputs = 0
    outputs = 1
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "default": ""},
            "scope": {"type": ["array", "null"], "items": {"type": "string"}, "default": []},
            "uncaught": {"type": "boolean", "default": False},
        },
    }
    help = node_help("complete")

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        send(msg)
        done()


NODES: list[type[Node]] = [Complete]
