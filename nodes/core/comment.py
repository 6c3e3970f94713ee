"""The comment node: documentation on the canvas; it has no runtime behaviour."""

from __future__ import annotations

from flowengine.node import Node


class CommentNode(Node):
    type = "comment"
    category = "common"
    color = "#ffffff"
    icon = "comment.svg"
    inputs = 0
    outputs = 0
    schema = {
        "type": "object",
        "properties": {"info": {"type": "string", "default": ""}},
    }
    help = "A note on the canvas. Its name is shown on the node and *info* in the help sidebar; it does nothing."


NODES: list[type[Node]] = [CommentNode]
