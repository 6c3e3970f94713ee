"""Node types that run flows written for other Node-RED OpenAI nodes (DESIGN §6), on the catalog's
executor. Palette category "OpenAI (compat)".

* ``openai`` + ``openai-service`` and ``openai-api`` + ``openai-api-service``: the seed package
  node-red-openai (``seed_methods``, ``seed_request``, ``seed_nodes``);
* ``OpenAI API`` + ``Service Host``: @inductiv/node-red-openai-api 6.x (``inductiv_methods``,
  ``inductiv_nodes``): its 143 REST wrappers and its 15 SDK helpers (``inductiv_helpers``,
  ``inductiv_sockets``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flowengine.registry import Registry

from ..operation import OperationNode
from .inductiv_helpers import HELPER_OPERATIONS
from .inductiv_methods import InductivMethod, load_inductiv_methods
from .inductiv_nodes import InductivNode, ServiceHost, inductiv_node_class
from .seed_methods import SeedMethod, load_seed_methods
from .seed_nodes import CATEGORY, SeedNode, SeedService, seed_classes

__all__ = ["CATEGORY", "InductivMethod", "InductivNode", "SeedMethod", "SeedNode", "SeedService", "ServiceHost",
           "compat_classes", "load_inductiv_methods", "load_seed_methods", "register_compat"]


def compat_classes(operation_classes: Iterable[type[OperationNode]]) -> list[type[Any]]:
    """The compat node types, each method resolved to the operation of ``operation_classes``."""
    by_type = {cls.type: cls.operation for cls in operation_classes}
    by_id = {op.operation_id: op for op in by_type.values()}
    methods = load_seed_methods()
    inductiv = load_inductiv_methods()
    missing = sorted({m.node_type for m in methods.values()} - set(by_type)
                     | {str(m.operation) for m in inductiv.values() if m.operation} - set(by_id))
    if missing:
        raise ValueError(f"compat methods without a catalog operation: {', '.join(missing)}")
    inductiv_ops = {m.name: by_id[m.operation] for m in inductiv.values() if m.operation}
    inductiv_ops.update({name: by_id[op_id] for name, op_id in HELPER_OPERATIONS.items()})
    helper_ops = {op_id: by_id[op_id] for op_id in ("createResponse", "createFile", "createVectorStoreFile",
                                                     "getVectorStoreFile", "createVectorStoreFileBatch",
                                                     "getVectorStoreFileBatch")}
    return [*seed_classes(methods, {m.name: by_type[m.node_type] for m in methods.values()}),
            inductiv_node_class(inductiv, inductiv_ops, helper_ops), ServiceHost]


def register_compat(registry: Registry, operation_classes: Iterable[type[OperationNode]]) -> None:
    """Add every compat node type."""
    for cls in compat_classes(operation_classes):
        registry.add(cls)
