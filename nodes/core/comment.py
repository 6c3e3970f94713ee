"""The comment node: documentation on the canvas; it has no runtime behaviour."""

from __future__ import annotations

from flowengine.node import Node

from ._help import node_help


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
    help = node_help("comment")


NODES: list[type[Node]] = [CommentNode]
