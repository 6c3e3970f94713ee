"""The http request node's headers: its own rows and ``msg.headers``, merged as Node-RED does.

A row is ``{keyType, keyValue, valueType, valueValue}``: type ``other`` means the text in
``keyValue``/``valueValue``, ``msg`` a message property read per message, any other type is the
header name or value itself (the editor's presets, ``Content-Type``, ``application/json``...).
Node-RED loops over ``node.headers`` by index, so a property that is not a list (a JSON string, an
object, as some flows hold) adds nothing; it is skipped here too.
"""

from __future__ import annotations

from typing import Any

from flowengine.jsutil import js_string, js_truthy
from flowengine.node import Node
from flowengine.types import UNDEFINED, Msg

__all__ = ["header_rows", "node_headers", "update_header"]


def header_rows(value: Any) -> list[dict[str, Any]]:
    """The usable rows of a node's ``headers`` property (none unless it is a list)."""
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def update_header(headers: dict[str, str], name: str, value: Any) -> None:
    """Node-RED's ``updateHeader``: replace ``name`` (any case); a falsy value only removes it."""
    key = name.lower()
    headers.pop(key, None)
    if js_truthy(value):
        headers[key] = js_string(value)


def node_headers(node: Node, rows: list[dict[str, Any]], msg: Msg) -> list[tuple[str, Any]]:
    """(name, value) of each row for ``msg``; rows whose name is empty or unreadable are left out."""
    out = []
    for row in rows:
        name = _part(node, row, "key", msg)
        if js_truthy(name):
            out.append((js_string(name), _part(node, row, "value", msg)))
    return out


def _part(node: Node, row: dict[str, Any], kind: str, msg: Msg) -> Any:
    typ = row.get(f"{kind}Type")
    text = row.get(f"{kind}Value")
    if typ == "other":
        return text
    if typ == "msg":
        try:
            return node.evaluate(text, "msg", msg)
        except Exception:  # Node-RED ignores a header it cannot read
            return UNDEFINED
    return typ if typ is not None else text
