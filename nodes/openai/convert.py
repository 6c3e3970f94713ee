"""Converting a compat node (or an old, renamed type) to the equivalent ``openai-*`` node.

``convert_node(node, registry, config)`` returns ``{"node": <the openai-* node>, "notes": [...]}``
or raises ``ConversionError``. The editor's offer calls it through ``POST /openai/convert`` with
``{"node": <node JSON>, "config": <an openai-config id or "">}`` (permission ``nodes.write``).

* an alias (``x-alias-of``): the same node under the current type name;
* the seed ``openai`` / ``openai-api``: the method's catalog type; each literal (``str``)
  ``<method>_<param>`` becomes that parameter's property; a ``msg`` one is dropped, since the
  ``openai-*`` node reads ``msg.<param>`` itself (a note names any other path); ``service`` becomes
  ``config``;
* @inductiv's ``OpenAI API``: the method's operation type (``parseModelResponse`` and
  ``streamModelResponse``: ``openai-create-response``); parameters keep coming from
  ``msg.payload`` (path ids among them). Helpers with no single equivalent (poll, upload,
  webhooks) cannot be converted.

The notes say what behaves differently afterwards (outputs, where parameters come from, the key).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .compat import InductivNode, SeedNode
from .compat.inductiv_helpers import HELPER_OPERATIONS
from .request import property_name

__all__ = ["ConversionError", "convert_node", "convert_route"]

_KEEP = ("id", "type", "z", "name", "x", "y", "g", "d", "l", "wires")
_CONVERTIBLE_HELPERS = {"parseModelResponse", "streamModelResponse"}


class ConversionError(ValueError):
    """The node has no single ``openai-*`` equivalent."""


def _base(node: dict[str, Any], new_type: str, config: str) -> dict[str, Any]:
    out = {k: node[k] for k in _KEEP if k in node}
    out["type"] = new_type
    out["config"] = config
    return out


def _config_note(config: str) -> list[str]:
    if config:
        return []
    return ["Pick or create an openai-config node (property 'config'): the old service node's key is not copied."]


def convert_node(node: dict[str, Any], registry: Any, config: str = "") -> dict[str, Any]:
    """The ``openai-*`` node equivalent to ``node``, with notes on what changes."""
    cls = registry.get(str(node.get("type") or ""))
    if cls is None:
        raise ConversionError(f"unknown node type {node.get('type')!r}")
    alias_of = (cls.schema or {}).get("x-alias-of")
    if alias_of:
        return {"node": {**node, "type": alias_of}, "notes": [f"{node['type']} is the old name of {alias_of}."]}
    method = str(node.get("method") or "")
    if issubclass(cls, SeedNode):
        seed = cls.methods.get(method)
        if seed is None:
            raise ConversionError(f"{cls.type}: unknown method {method!r}")
        out = _base(node, seed.node_type, config)
        notes = _config_note(config)
        for param in seed.params:
            value = node.get(param.prop)
            if value in (None, ""):
                continue
            if str(node.get(param.prop + "Type") or "str") == "str":
                out[property_name(param.name)] = value
            elif value != param.name:
                notes.append(f"'{param.name}' was read from msg.{value}; the new node reads msg.{param.name}.")
        notes.append("The output is msg.payload (and msg.openai); msg.statusCode and msg.headers are no longer set.")
        return {"node": out, "notes": notes}
    if issubclass(cls, InductivNode):
        operation = cls.operations.get(method)
        if operation is None or (method in HELPER_OPERATIONS and method not in _CONVERTIBLE_HELPERS):
            raise ConversionError(f"{cls.type}: method {method!r} has no single openai-* node")
        out = _base(node, str(operation.entry["type"]), config)
        notes = _config_note(config)
        prop, ptype = str(node.get("property") or "payload"), str(node.get("propertyType") or "msg")
        if (prop, ptype) != ("payload", "msg"):
            notes.append(f"The parameters were read from {ptype}.{prop}; the new node reads msg.payload "
                         "(add a change node before it).")
        if method == "streamModelResponse":
            out["stream"] = True
        if method == "parseModelResponse":
            notes.append("msg.payload.output_parsed holds the parsed output when the request has a JSON-schema format.")
        if cls.methods[method].output_data:
            notes.append("The output is the whole list object; its items are in msg.payload.data.")
        return {"node": out, "notes": notes}
    raise ConversionError(f"{cls.type} is not a compat node or an old OpenAI type name")


async def convert_route(request: Request, runtime: Any) -> Response:
    """``POST /openai/convert``: ``{node, config?}`` -> ``{node, notes}``; 400 ``{code, message}``."""
    try:
        body = await request.json()
    except ValueError:
        body = None
    node = body.get("node") if isinstance(body, dict) else None
    if not isinstance(node, dict):
        return JSONResponse({"code": "invalid_request", "message": "the body must be {node, config?}"},
                            status_code=400)
    config = body.get("config") if isinstance(body.get("config"), str) else ""
    try:
        return JSONResponse(convert_node(node, runtime.registry, config))
    except ConversionError as err:
        return JSONResponse({"code": "not_convertible", "message": str(err)}, status_code=400)
