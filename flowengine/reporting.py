"""How the engine describes errors and nodes to flows (``String(err)``, ``source.name``)."""

from __future__ import annotations

import logging
import time
from typing import Any

from .encoding import encode_object
from .errors import NodeError
from .node import Node
from .types import UNDEFINED, Msg

__all__ = ["error_text", "log_event", "node_name", "report_error"]

log = logging.getLogger("flowengine.flow")


def node_name(node: Node) -> Any:
    """``node.name`` as Node-RED reports it in ``source``: ``undefined`` when empty, unless the
    type keeps an empty name (class attribute ``keeps_empty_name``, e.g. debug and function)."""
    if node.name:
        return node.name
    return "" if getattr(type(node), "keeps_empty_name", False) else UNDEFINED


def error_text(err: BaseException | str | Any) -> str:
    """``String(err)``: a NodeError or string as is, another exception as ``Type: message`` (``Type``
    is the exception's ``js_name`` when it mirrors a JavaScript error, e.g. ``Error`` for Node's fs errors)."""
    if isinstance(err, str):
        return err
    if isinstance(err, NodeError):
        return str(err)
    if isinstance(err, BaseException):
        text = getattr(err, "js_text", None)
        if isinstance(text, str):  # a JavaScript error's own toString (Node's "TypeError [ERR_...]: ...")
            return text
        explicit = getattr(err, "js_name", None)
        name = explicit if isinstance(explicit, str) else type(err).__name__
        return f"{name}: {err}" if str(err) else name
    return str(err)



def log_event(level: int, node_id: str, node_type: str, text: str, *, alias: str | None = None,
              z: str | None = None, name: str | None = None, path: str | None = None,
              max_length: int = 1000) -> dict[str, Any]:
    """A node's error (20) or warning (30) as the comms ``debug`` topic carries it.

    Node-RED's shape and key order: ``log_helper`` (level, id, type, msg, _alias, z, name; the last
    three only when set), ``Flow.log`` (path), ``Log.log`` (timestamp, ms) and ``encodeObject`` at
    the debug node (format, and ``msg`` cut to debugMaxLength).
    """
    data: dict[str, Any] = {"level": level, "id": node_id, "type": node_type, "msg": text}
    if alias:
        data["_alias"] = alias
    if z:
        data["z"] = z
    if name:
        data["name"] = name
    if path is not None:
        data["path"] = path
    data["timestamp"] = int(time.time() * 1000)
    encoded = encode_object(text, max_length)
    data["msg"], data["format"] = encoded["msg"], encoded["format"]
    return data


def report_error(node: Any, exc: Exception, msg: Msg) -> None:
    """``node.error(exc, msg)``; a failure to report is logged, never raised (delivery loop)."""
    try:
        node.error(exc, msg)
    except Exception:  # reporting must never stop the delivery loop
        log.exception("could not report an error of %r: %s", node, error_text(exc))
