"""``catch``: receives errors of nodes in its scope (all / listed ids / its group; uncaught only).

The routing lives in the engine (``flowengine.flow.Flow.handle_error``); the node passes on the
message it is given (with ``msg.error = {message, source{id,type,name,count}}``).
"""

from __future__ import annotations

from flowengine.node import Node
from flowengine.types import Done, Msg, Send

from ._help import node_help


class Catch(Node):
    """Errors from nodes in scope arrive here as messages."""

    type = "catch"
    category = "common"
    color = "#e49191"
    label = "catch"
    inputs = 0
    outputs = 1
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "default": ""},
            "scope": {"anyOf": [{"type": "null"}, {"type": "array", "items": {"type": "string"}},
                                {"const": "group"}], "default": None},
            "uncaught": {"type": "boolean", "default": False},
        },
    }
    help = node_help("catch")

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        send(msg)
        done()


NODES: list[type[Node]] = [Catch]
