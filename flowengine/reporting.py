"""How the engine describes errors and nodes to flows (``String(err)``, ``source.name``)."""

from __future__ import annotations

import logging
from typing import Any

from .errors import NodeError
from .node import Node
from .types import UNDEFINED, Msg

__all__ = ["error_text", "node_name", "report_error"]

log = logging.getLogger("flowengine.flow")


def node_name(node: Node) -> Any:
    """``node.name`` as Node-RED reports it in ``source``: ``undefined`` when empty, unless the
    type keeps an empty name (class attribute ``keeps_empty_name``, e.g. debug and function)."""
    if node.name:
        return node.name
    return "" if getattr(type(node), "keeps_empty_name", False) else UNDEFINED


def error_text(err: BaseException | str | Any) -> str:
    """``String(err)``: a NodeError or string as is, another exception as ``Type: message``."""
    if isinstance(err, str):
        return err
    if isinstance(err, NodeError):
        return str(err)
    if isinstance(err, BaseException):
        name = getattr(err, "js_name", None) or type(err).__name__
        return f"{name}: {err}" if str(err) else str(name)
    return str(err)



def report_error(node: Any, exc: Exception, msg: Msg) -> None:
    """``node.error(exc, msg)``; a failure to report is logged, never raised (delivery loop)."""
    try:
        node.error(exc, msg)
    except Exception:  # reporting must never stop the delivery loop
        log.exception("could not report an error of %r: %s", node, error_text(exc))
