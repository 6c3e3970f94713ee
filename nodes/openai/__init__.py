"""OpenAI nodes: one node type per operation of the catalog, plus the ``openai-config`` node, plus
the types of other Node-RED OpenAI packages whose flows run unchanged (``compat``).

``register(registry)`` reads ``catalog.json`` (see ``catalog.py``), creates one class per operation
with ``operation.node_class``, adds ``openai-realtime`` (``realtime``) and ``openai-webhook``
(``webhook``), and adds the admin routes ``GET /openai/models?config=<id>`` (a
deployed config node, permission ``nodes.read``) and ``POST /openai/models`` (a config node being
edited, its key in the body; ``nodes.write``) that list the models a server offers (the editor's
model picker, see ``routes``), and ``POST /openai/convert`` (``nodes.write``): the ``openai-*`` node
equivalent to a compat node or an old type name (the editor's convert offer, see ``convert``).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from flowengine.registry import Registry

from .aliases import alias_class
from .compat import register_compat
from .config import OpenAIConfig
from .convert import convert_route
from .leniency import lenient_schema
from .operation import OperationNode, node_class
from .realtime import RealtimeNode
from .request import Operation
from .routes import list_models, list_models_for_draft
from .webhook import WebhookNode

__all__ = ["OpenAIConfig", "OperationNode", "RealtimeNode", "WebhookNode", "node_classes", "register"]


def node_classes(catalog: dict[str, Any] | None = None, path: str | Path | None = None) -> list[type[OperationNode]]:
    """One node class per operation of ``catalog`` (default: the committed catalog), then one per
    alias (the old name of a renamed operation, see ``aliases``)."""
    from .catalog import load_catalog  # imported here so ``python -m flowengine.nodes.openai.catalog`` runs cleanly

    data = catalog if catalog is not None else load_catalog(path)
    defs = data.get("$defs") or {}
    # Shared by every operation, made by the first request validated (not at start: ~25 ms)
    check_defs = functools.cache(lambda: lenient_schema(defs, defs))
    classes = [node_class(Operation(entry, defs, check_defs)) for entry in data["operations"]]
    by_id = {cls.operation.operation_id: cls for cls in classes}
    aliases = [alias_class(old, by_id[op_id]) for old, op_id in (data.get("aliases") or {}).items()]
    return classes + aliases


def register(registry: Registry) -> None:
    """Add ``openai-config``, every operation node type, the compat types and the model-list route."""
    registry.add(OpenAIConfig)
    classes = node_classes()
    for cls in classes:
        registry.add(cls)
    register_compat(registry, classes)
    registry.add(RealtimeNode)
    registry.add(WebhookNode)
    registry.add_route("/openai/models", list_models, ["GET"])
    registry.add_route("/openai/models", list_models_for_draft, ["POST"])
    registry.add_route("/openai/convert", convert_route, ["POST"])
