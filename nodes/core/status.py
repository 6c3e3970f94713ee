"""``status``: receives status updates of nodes in its scope as ``msg.status``.

The routing lives in the engine (``flowengine.flow.Flow.handle_status``); the message carries
``msg.status = {fill, shape, text, source{id,type,name}}``.
"""

from __future__ import annotations

from flowengine.node import Node
from flowengine.types import Done, Msg, Send

from ._help import node_help


class Status(Node):
    """Status changes of nodes in scope arrive here as messages."""

    type = "status"
    category = "common"
    color = "#94c1d0"
    label = "status"
    inputs = 0
    outputs = 1
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "default": ""},
            "scope": {"anyOf": [{"type": "null"}, {"type": "array", "items": {"type": "string"}},
                                {"const": "group"}], "default": None},
        },
    }
    help = node_help("status")

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        send(msg)
        done()


NODES: list[type[Node]] = [Status]
