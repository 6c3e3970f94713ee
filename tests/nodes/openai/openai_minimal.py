"""Minimal valid requests built from a catalog entry's schemas (for the per-operation mock tests)."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]
FILE = b"\x89PNG\r\n\x1a\n0000"


def _resolve(schema: Any, defs: JSON) -> JSON:
    for _ in range(50):
        if not (isinstance(schema, dict) and "$ref" in schema):
            break
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**defs.get(schema["$ref"].rsplit("/", 1)[-1], {}), **rest}
    return schema if isinstance(schema, dict) else {}


def _merged(schema: JSON, defs: JSON) -> JSON:
    """allOf parts merged into one object schema."""
    schema = _resolve(schema, defs)
    if "allOf" not in schema:
        return schema
    out: JSON = {k: v for k, v in schema.items() if k != "allOf"}
    props = dict(out.get("properties") or {})
    req = list(out.get("required") or [])
    for part in schema["allOf"]:
        m = _merged(part, defs)
        for k, v in (m.get("properties") or {}).items():
            props.setdefault(k, v)
        req += [r for r in m.get("required") or [] if r not in req]
        for k in ("type", "enum", "const", "anyOf"):
            if k in m and k not in out:
                out[k] = m[k]
    out["properties"], out["required"] = props, req
    return out


def minimal(schema: Any, defs: JSON, depth: int = 0) -> Any:
    """A small value that satisfies ``schema`` (required fields only)."""
    s = _merged(schema, defs)
    if depth > 12:
        return None
    if s.get("x-file"):
        return FILE
    if "const" in s:
        return s["const"]
    if s.get("enum"):
        return next((e for e in s["enum"] if e is not None), s["enum"][0])
    if "anyOf" in s and not s.get("properties"):
        variants = [_merged(v, defs) for v in s["anyOf"]]
        nonnull = [v for v in variants if v.get("type") != "null"]
        simple = [v for v in nonnull if v.get("type") in ("string", "integer", "number", "boolean")]
        return minimal((simple or nonnull or variants)[0], defs, depth + 1)
    t = s.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "null")
    if t == "object" or (t is None and ("properties" in s or "required" in s)):
        props = s.get("properties") or {}
        required = list(s.get("required") or [])
        if s.get("anyOf"):  # properties plus "one of these is required" variants: satisfy the first
            first = _merged(s["anyOf"][0], defs)
            required += [r for r in first.get("required") or [] if r not in required]
            props = {**(first.get("properties") or {}), **props}
        return {name: minimal(props.get(name, {"type": "string"}), defs, depth + 1) for name in required}
    if t == "array":
        n = max(1, int(s.get("minItems") or 0))
        return [minimal(s.get("items") or {"type": "string"}, defs, depth + 1) for _ in range(n)]
    if t == "integer":
        return int(s.get("minimum", s.get("exclusiveMinimum", -1) + 1 if "exclusiveMinimum" in s else 1))
    if t == "number":
        return float(s.get("minimum", 1))
    if t == "boolean":
        return False
    if t == "null":
        return None
    if t == "string" or t is None:
        if s.get("format") in ("uri", "url"):
            return "https://example.com/x"
        return "x" * max(1, int(s.get("minLength") or 1))
    return "x"


def minimal_request(entry: JSON, defs: JSON) -> tuple[JSON, JSON]:
    """``(msg, node props)`` for one operation: every required parameter and body field set."""
    msg: JSON = {}
    for p in entry.get("parameters") or []:
        if p["required"]:
            msg[p["name"]] = minimal(p["schema"], defs) if p["in"] != "path" else "x1"
    body = entry.get("body")
    payload: JSON = {}
    if body:
        value = minimal(body["schema"], defs)
        if isinstance(value, dict):
            payload = value
        for name in body.get("required_fields") or []:
            payload.setdefault(name, FILE if name in body.get("file_fields", []) else "x")
    msg["payload"] = payload
    msg["filename"] = "upload.png"
    return msg, {}
