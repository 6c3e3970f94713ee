"""Context calls from function code (``context``/``flow``/``global``), shared by both languages."""

from __future__ import annotations

from typing import Any

from flowengine.context import parse_context_key
from flowengine.node import Node
from flowengine.types import UNDEFINED

__all__ = ["context_op"]


def context_op(node: Node, scope: str, op: str, key: Any, value: Any, store: Any, undefined: Any = None,
               absent: Any = None) -> Any:
    """One context call from function code: ``get`` (a key, a path, or a list of them), ``set``,
    ``delete``, ``keys``, ``incr`` (value: the step) and ``cas`` (value: ``[expected, new]``,
    ``absent`` meaning no value: None for Python code, ``UNDEFINED`` for JavaScript's undefined).
    A missing value is ``undefined`` (Python code sees None). ``incr`` and ``cas`` are atomic
    across processes in a shared (``redis``) store."""
    if isinstance(key, list):
        pairs = [parse_context_key(k) if isinstance(k, str) else (None, k) for k in key]
        if any(s is not None for s, _ in pairs):
            return [context_op(node, scope, op, k, value, store, undefined) for k in key]
    elif isinstance(key, str) and key.startswith("#:("):
        named, key = parse_context_key(key)
        store = named or store
    target = node.context() if scope == "node" else node.flow_context() if scope == "flow" else node.global_context()
    if op == "get":
        if isinstance(key, list):
            return [_defined(target.get(k, store), undefined) for k in key]
        return _defined(target.get(key, store), undefined)
    if op == "set":
        target.set(key, value, store)
        return None
    if op == "delete":
        target.set(key, UNDEFINED, store)
        return None
    if op == "incr":
        return target.incr(key, value, store)
    if op == "cas":
        expected, new = value
        return target.compare_and_set(key, UNDEFINED if expected is absent else expected,
                                      UNDEFINED if new is absent else new, store)
    return target.keys(store)


def _defined(value: Any, undefined: Any) -> Any:
    return undefined if value is UNDEFINED else value
