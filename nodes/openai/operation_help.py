"""The help page of an operation node, generated from its catalog entry in the shape of the core
nodes' help (``nodes/core/help``): a one-line summary, ``### Inputs``, ``### Outputs``,
``### Details`` and ``### References``.

Only structure goes in: the operation's short summary, its method and path, its parameters and
body fields with their types, enums, bounds and defaults, how the node fills and sends the request
and what it outputs. The catalog holds no prose from the spec, and neither does the page.
"""

from __future__ import annotations

import json
from typing import Any

from .request import property_name
from .schema import collect_fields

__all__ = ["HelpOnFirstRead", "operation_help", "type_text"]

JSON = dict[str, Any]
MAX_ENUM = 10
"""Enum values listed in full up to this many; a longer enum is counted."""
_PARAM_KIND = {"path": "path parameter", "query": "query parameter", "header": "header"}
_STREAM_HOW = {
    "body": "`stream: true` on the node or in `msg.payload`",
    "query": "`stream: true` on the node or as `msg.stream`",
    "format": '`stream_format: "sse"`',
}


def _resolve(schema: Any, defs: JSON) -> Any:
    for _ in range(20):
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if not isinstance(ref, str):
            break
        schema = {**defs.get(ref.rsplit("/", 1)[-1], {}), **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _literal(value: Any) -> str:
    return "`" + _json(value) + "`"


def _json(value: Any) -> str:
    """A value as JSON, bare: inside the type, which is set in *emphasis*, code spans do not nest."""
    return json.dumps(value, ensure_ascii=False)


def type_text(schema: Any, defs: JSON, depth: int = 0) -> str:
    """A field's type in a few words: ``string``, ``integer``, ``array of object``,
    ``"auto", "low" or "high"``; unions joined, ``$ref``s followed, null left out."""
    schema = _resolve(schema, defs)
    if not isinstance(schema, dict) or depth > 3:
        return "any"
    if "const" in schema:
        return _json(schema["const"])
    if isinstance(schema.get("enum"), list):
        values = [v for v in schema["enum"] if v is not None]
        if len(values) > MAX_ENUM:
            return f"one of {len(values)} values"
        if not values:
            return "null"
        head = ", ".join(_json(v) for v in values[:-1])
        return f"{head} or {_json(values[-1])}" if head else _json(values[-1])
    if schema.get("x-file"):
        return "file"
    variants = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(variants, list) and variants:
        words: list[str] = []
        for variant in variants:
            text = type_text(variant, defs, depth + 1)
            if text not in words:
                words.append(text)
        words = [w for w in words if w != "null"]
        return " or ".join(words[:4]) + (" or ..." if len(words) > 4 else "") if words else "null"
    if isinstance(schema.get("allOf"), list) and schema["allOf"]:
        return type_text(schema["allOf"][0], defs, depth + 1)
    kinds = schema.get("type")
    if kinds == "null":
        return "null"
    names = [k for k in (kinds if isinstance(kinds, list) else [kinds]) if isinstance(k, str) and k != "null"]
    if names == ["array"]:
        items = schema.get("items")
        return f"array of {type_text(items, defs, depth + 1)}" if isinstance(items, dict) and items else "array"
    if schema.get("format") == "binary":
        return "file"
    return " or ".join(names) if names else ("object" if "properties" in schema else "any")


def _constraints(schema: Any, defs: JSON) -> list[str]:
    schema = _resolve(schema, defs)
    if not isinstance(schema, dict):
        return []
    for variant in schema.get("anyOf") or []:  # bounds and defaults of a nullable number sit in its variant
        variant = _resolve(variant, defs)
        if isinstance(variant, dict) and variant.get("type") != "null":
            schema = {**variant, **schema}
            break
    out = []
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None and abs(high) < 1e15:
        out.append(f"{low} … {high}")
    elif low is not None and abs(low) < 1e15:
        out.append(f"at least {low}")
    elif high is not None and abs(high) < 1e15:
        out.append(f"at most {high}")
    if schema.get("minItems"):
        out.append(f"at least {schema['minItems']} item" + ("s" if schema["minItems"] > 1 else ""))
    if schema.get("maxItems"):
        out.append(f"at most {schema['maxItems']} items")
    if schema.get("maxLength"):
        out.append(f"at most {schema['maxLength']} characters")
    if "default" in schema and schema["default"] is not None:
        out.append(f"default {_literal(schema['default'])}")
    if schema.get("deprecated"):
        out.append("deprecated")
    if isinstance(schema.get("description"), str) and 0 < len(schema["description"]) <= 120:
        out.append(schema["description"].strip().rstrip("."))
    return out


def _field_line(label: str, schema: Any, defs: JSON, required: bool, extra: str = "") -> str:
    words = [f"- `{label}` *{type_text(schema, defs)}*"]
    if required:
        words.append("**required**")
    words += _constraints(schema, defs)
    line = ", ".join(words)
    return line + (f": {extra}" if extra else "")


def _inputs(entry: JSON, defs: JSON) -> list[str]:
    body = entry.get("body") or {}
    params = entry.get("parameters") or []
    lines = ["### Inputs"]
    if body:
        primary, files = body.get("primary"), body.get("file_fields") or []
        fills = []
        if primary == "messages":
            fills.append("a string becomes `messages` with one user message, a list becomes `messages`")
        elif primary:
            fills.append(f"a string or a list fills `{primary}`")
        if files:
            fills.append(f"bytes fill the file field `{files[0]}`")
        lines.append(
            "- `msg.payload` *object"
            + (" | string" if primary else "")
            + (" | bytes" if files else "")
            + "*: an object's fields are body fields (listed below) and override the node's properties"
            + ("; " + "; ".join(fills) if fills else "")
            + "."
        )
        if files:
            lines.append(
                "- `msg.filename` *string*: the name the file is sent under (else the path's base name, "
                "else one derived from its content type)."
            )
    for p in sorted(params, key=lambda p: not p.get("required")):
        name = p["name"]
        prop = property_name(name)
        where = f"{_PARAM_KIND.get(p['in'], p['in'])}; else `msg.payload.{name}`, else the node's `{prop}`"
        lines.append(_field_line(f"msg.{name}", p.get("schema") or {}, defs, bool(p.get("required")), where))
    if body:
        fields = collect_fields(body.get("schema") or {}, defs)
        required = list(body.get("required_fields") or [])
        names = required + [f for f in body.get("fields") or [] if f not in required]
        lines += ["", f"Body fields ({body.get('encoding', 'json')}), set on the node or in `msg.payload`:", ""]
        for name in names:
            prop = property_name(name)
            note = f"node property `{prop}`" if prop != name else ""
            if name in (body.get("file_fields") or []):
                note = (note + "; " if note else "") + "bytes, a data URL or a path inside the file directory"
            lines.append(_field_line(name, fields.get(name, {}), defs, name in required, note))
    if not body and not params:
        lines.append("- `msg` *object*: any message sends the request; the operation takes no parameters.")
    return lines


def _outputs(entry: JSON) -> list[str]:
    response = entry.get("response") or {}
    kind = response.get("kind")
    payload = {
        "json": "- `msg.payload` *object*: the response, parsed from JSON.",
        "binary": "- `msg.payload` *bytes*: the response body (audio, an image or a file's content).",
        "text": "- `msg.payload` *string*: the response body as text.",
        "none": "- `msg.payload` *object*: empty (`{}`); the response has no body.",
    }.get(str(kind), "- `msg.payload`: the response.")
    lines = ["### Outputs", payload]
    path = str(entry.get("path", ""))
    if kind == "json" and path in ("/responses", "/chat/completions") and entry.get("method") == "POST":
        lines.append(
            "- `msg.payload.output_parsed` *any*: with a JSON-schema response format, the output "
            "parsed (text that is not JSON is a catchable `parse_error`)."
        )
    stream = response.get("stream")
    if response.get("sse") and stream in _STREAM_HOW:
        lines.append(
            f"- streaming, with {_STREAM_HOW[stream]}: one message per server event first, "
            "`msg.payload` = the event's data and `msg.parts` (`id`, `index`, the last one `count`) so a "
            "join node can rebuild the list, then one message with the assembled result."
        )
    if response.get("pagination"):
        lines.append(
            "- with `fetch_all`: one message, the last page with `data` holding the items of every page "
            "(`has_more: false` when all were fetched)."
        )
    lines.append(
        "- `msg.openai` *object*: `operation`, `status`, `request_id`, `usage`, `ratelimit` and "
        "`duration_ms` of the request."
    )
    return lines


def _details(entry: JSON) -> list[str]:
    lines = [
        "### Details",
        f"Sends `{entry['method']} {entry['path']}` for each message, through the "
        "`openai-config` node picked in the form (base URL, organization, project, timeout, retries and "
        "concurrency)"
        + (", with its **admin key**" if entry.get("auth") == "admin" else ", with its API key")
        + "; a node without one is refused at deploy.",
    ]
    if entry.get("beta_header"):
        lines.append(f"The request carries the header `OpenAI-Beta: {entry['beta_header']}`.")
    flags = [f for f in ("deprecated", "legacy", "beta", "removed_upstream") if entry.get(f)]
    if flags:
        lines.append("")
        lines.append(
            "Catalog flags: "
            + ", ".join(f"`{f}`" for f in flags)
            + (
                " (the current API no longer has this operation; older and compatible servers may)."
                if entry.get("removed_upstream")
                else "."
            )
        )
    pagination = (entry.get("response") or {}).get("pagination")
    if pagination:
        lines += [
            "",
            f"A list: with `fetch_all` the node follows the `{pagination['param']}` cursor while "
            "`has_more`, at most `max_pages` pages.",
        ]
    lines += [
        "",
        "The request is checked against the operation's schema first: a missing or wrong field is a catchable "
        "error naming it, and nothing is sent. 408, 409, 429, 5xx, timeouts and lost connections are retried "
        "with backoff (`max_retries`, honouring `Retry-After`); a request that still fails goes to catch nodes "
        "with its message, the error's status, type, code, param and body in `msg.error`. Requests beyond "
        "`max_concurrency` wait; the status shows in flight, queued, tokens used and the last error.",
    ]
    return lines


def operation_help(entry: JSON, defs: JSON, alias_of: str | None = None) -> str:
    """The help page of one catalog operation (Markdown); ``alias_of``: the current type of a
    renamed operation whose old name this node type is."""
    summary = f"{entry['summary']}: `{entry['method']} {entry['path']}` of the OpenAI API."
    details = _details(entry)
    if alias_of:
        details[1:1] = [
            f"This type is the name the operation had in an earlier OpenAI spec; it now is `{alias_of}`, "
            "which this node runs. Flows saved with the old name keep working; the editor offers the "
            "new one.",
            "",
        ]
    lines = [
        summary,
        "",
        *_inputs(entry, defs),
        "",
        *_outputs(entry),
        "",
        *details,
        "",
        "### References",
        f"- [{entry['summary']}]({entry['reference']}) in the API reference",
    ]
    return "\n".join(lines)


class HelpOnFirstRead:
    """A node class's ``help`` built from its operation when first read (``GET /node-types``, the
    help sidebar), then stored on the class: a start does not write 300 pages nobody reads."""

    def __get__(self, instance: object, owner: type[Any]) -> str:
        op = owner.operation  # type: ignore[attr-defined]
        text = operation_help(op.entry, op.defs, owner.__dict__.get("alias_of"))
        owner.help = text  # type: ignore[attr-defined]
        return text
