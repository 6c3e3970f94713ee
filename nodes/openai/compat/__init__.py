"""Node types that run flows written for other Node-RED OpenAI nodes (DESIGN §6), on the catalog's
executor. Palette category "OpenAI (compat)".

* ``openai`` + ``openai-service`` and ``openai-api`` + ``openai-api-service``: the seed package
  node-red-openai (``seed_methods``, ``seed_request``, ``seed_nodes``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flowengine.registry import Registry

from ..operation import OperationNode
from .seed_methods import SeedMethod, load_seed_methods
from .seed_nodes import CATEGORY, SeedNode, SeedService, seed_classes

__all__ = ["CATEGORY", "SeedMethod", "SeedNode", "SeedService", "compat_classes", "register_compat"]


def compat_classes(operation_classes: Iterable[type[OperationNode]]) -> list[type[Any]]:
    """The compat node types, each method resolved to the operation of ``operation_classes``."""
    by_type = {cls.type: cls.operation for cls in operation_classes}
    methods = load_seed_methods()
    missing = sorted(m.node_type for m in methods.values() if m.node_type not in by_type)
    if missing:
        raise ValueError(f"seed methods without a catalog operation: {', '.join(missing)}")
    return seed_classes(methods, {m.name: by_type[m.node_type] for m in methods.values()})


def register_compat(registry: Registry, operation_classes: Iterable[type[OperationNode]]) -> None:
    """Add every compat node type."""
    for cls in compat_classes(operation_classes):
        registry.add(cls)
