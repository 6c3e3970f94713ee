"""Which node types are boundaries: every OpenAI node type, plus ``[queue] boundary``."""

from __future__ import annotations

from collections.abc import Callable

from ..registry import Registry
from .config import OPENAI_MODULE, QueueConfig

__all__ = ["boundary_types"]


def boundary_types(registry: Registry, config: QueueConfig) -> Callable[[str], bool]:
    """A predicate on type names: is a node of this type a boundary node?"""
    extra = frozenset(config.boundary)

    def is_boundary(type_name: str) -> bool:
        if type_name in extra:
            return True
        return type_name in registry and registry.module_of(type_name) == OPENAI_MODULE

    return is_boundary
