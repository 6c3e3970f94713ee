"""Placeholder until the node family is written."""

from flowengine.node import Node

NODES: list[type[Node]] = []
