"""OpenAI nodes: one node type per operation of the catalog."""

from flowengine.registry import Registry


def register(registry: Registry) -> None:
    """Placeholder until the catalog-driven nodes are written."""
