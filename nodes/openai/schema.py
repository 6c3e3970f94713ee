"""The property schema of an operation node: what the editor renders and deploy validates.

Properties are ``config``, the operation's path/query/header parameters and its body fields
(``x-in``: path, query, header, body or file), none required (``msg`` may supply them). Field
schemas are the catalog's, with ``$defs`` references inlined two levels deep (deeper: any value),
and the API's defaults moved to ``x-default`` placeholders.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .request import Operation, property_name

__all__ = ["MAX_PAGES_CAP", "SchemaOnFirstRead", "collect_fields", "node_schema"]

MAX_PAGES_CAP = 1000


def _inline(schema: Any, defs: dict[str, Any], depth: int) -> Any:
    """``schema`` with ``$ref``s replaced by their definitions down to ``depth`` (then: any value)."""
    if isinstance(schema, list):
        return [_inline(s, defs, depth) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        if depth <= 0:
            return {}
        target = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        merged = {**_inline(target, defs, depth - 1), **_inline(rest, defs, depth)}
        return merged
    if schema.get("x-file"):
        return {}
    out: dict[str, Any] = {}
    for k, v in schema.items():
        if k == "properties" and isinstance(v, dict):
            out[k] = {name: _inline(s, defs, depth - 1) for name, s in v.items()} if depth > 0 else {}
            if depth <= 0:
                out.pop(k)
                out.pop("required", None)
        elif k in ("items", "additionalProperties", "not") and isinstance(v, dict):
            out[k] = _inline(v, defs, depth - 1) if depth > 0 else {}
        elif k in ("anyOf", "allOf", "prefixItems") and isinstance(v, list):
            if depth > 0:
                out[k] = [_inline(s, defs, depth - 1) for s in v]
        elif k == "required" and depth <= 0:
            continue
        else:
            out[k] = v
    return out


def _field_schema(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """A property's schema for the editor and deploy validation.

    The API's own default is kept as ``x-default`` (a placeholder), not ``default``: an editor that
    pre-fills defaults would otherwise send them on every request (``temperature`` is refused by
    reasoning models, for one).
    """
    inlined = _inline(schema, defs, 2)
    out: dict[str, Any] = _no_defaults(inlined) if isinstance(inlined, dict) else {}
    if "x-default" not in out:
        for variant in out.get("anyOf") or []:
            if isinstance(variant, dict) and "x-default" in variant:
                out["x-default"] = variant["x-default"]
                break
    return out


def _no_defaults(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_no_defaults(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for k, v in schema.items():
        if k == "default":
            out["x-default"] = v
        elif k == "properties" and isinstance(v, dict):  # keys are field names, not keywords
            out[k] = {name: _no_defaults(s) for name, s in v.items()}
        elif k in ("enum", "const"):
            out[k] = v
        else:
            out[k] = _no_defaults(v)
    return out


def node_schema(op: Operation) -> dict[str, Any]:
    """The node's property schema: config (required), parameters and body fields."""
    props: dict[str, Any] = {"config": {"type": "string", "x-config-type": "openai-config"},
                             "name": {"type": "string"}}
    for p in op.params:
        props[property_name(p["name"])] = {**_field_schema(p["schema"], op.defs), "x-in": p["in"]}
    body = op.body or {}
    body_fields: dict[str, Any] = {}
    if body:
        fields = collect_fields(body.get("schema") or {}, op.defs)
        for name in body.get("fields") or []:
            schema = _field_schema(fields.get(name, {}), op.defs)
            schema["x-in"] = "file" if name in (body.get("file_fields") or []) else "body"
            body_fields[property_name(name)] = schema
    props.update(body_fields)
    if op.pagination:
        props["fetch_all"] = {"type": "boolean", "default": False}
        props["max_pages"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGES_CAP, "default": 20}
    # The config node is required: a node without one is refused at deploy, naming the node. The
    # API's own required fields stay optional here (msg may supply them) and are listed for the
    # editor in x-required, with the field a string msg.payload fills (x-primary) and the
    # operation's reference page (x-reference).
    api_required = [property_name(p["name"]) for p in op.params if p.get("required")]
    api_required += [property_name(f) for f in body.get("required_fields") or [] if property_name(f) in props]
    out: dict[str, Any] = {"type": "object", "properties": props, "required": ["config"], "x-required": api_required}
    if body.get("primary"):
        out["x-primary"] = property_name(body["primary"])
    reference = op.entry.get("reference") if isinstance(op.entry, dict) else None
    if reference:
        out["x-reference"] = reference
    return out


def collect_fields(schema: dict[str, Any], defs: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """Every body field a request schema names (through $refs, allOf and anyOf), first schema wins."""
    if depth > 8 or not isinstance(schema, dict):
        return {}
    out: dict[str, Any] = {}
    if "$ref" in schema:
        out.update(collect_fields(defs.get(schema["$ref"].rsplit("/", 1)[-1], {}), defs, depth + 1))
    for name, s in (schema.get("properties") or {}).items():
        out.setdefault(name, s)
    for key in ("allOf", "anyOf"):
        for sub in schema.get(key) or []:
            for name, s in collect_fields(sub, defs, depth + 1).items():
                out.setdefault(name, s)
    return out


class SchemaOnFirstRead:
    """A node class's ``schema`` attribute built by ``build(cls)`` when it is first read (a deploy
    that uses the type, ``GET /node-types``), then stored on the class. The 300 operation types'
    schemas are not all built at every start (~40 ms); most flows use a few of them."""

    def __init__(self, build: Callable[[type[Any]], dict[str, Any]]) -> None:
        self.build = build

    def __get__(self, instance: object, owner: type[Any]) -> dict[str, Any]:
        schema = self.build(owner)
        owner.schema = schema  # replaces this descriptor on ``owner``: built once per class
        return schema
