"""Where request checking is looser than the letter of the spec, as the API itself is.

* A property the spec lists as ``required`` but whose schema admits ``null`` may be left out: the
  spec shares such schemas with responses (where the field is always present, maybe null), while
  the API takes an omitted field as null. The spec's own request examples rely on this, e.g. a
  function tool without ``strict``.
* So may a required property with a ``default`` (the API fills it in), unless it is a one-value
  discriminator such as ``type: "input_image"``, which tells a union's variants apart.
* Multipart form fields are text on the wire, so a string may stand for a boolean, a number or
  (as JSON) an object or array where the field's schema asks for one: ``"true"``, ``"2"``,
  ``'{"type": "realtime"}'`` — what a form field copied from a curl command looks like.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["coerce_form_strings", "lenient_schema"]

JSON = dict[str, Any]


def _admits_null(schema: Any, defs: JSON, depth: int = 0) -> bool:
    if not isinstance(schema, dict) or depth > 20:
        return False
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return _admits_null(defs.get(ref.rsplit("/", 1)[-1]), defs, depth + 1)
    t = schema.get("type")
    if t == "null" or (isinstance(t, list) and "null" in t) or schema.get("nullable") is True:
        return True
    if "const" not in schema and None in (schema.get("enum") or [0]):
        return True
    return any(_admits_null(s, defs, depth + 1) for key in ("anyOf", "oneOf") for s in schema.get(key) or [])


def _optional_in_practice(prop: Any, defs: JSON) -> bool:
    if _admits_null(prop, defs):
        return True
    if not isinstance(prop, dict) or "default" not in prop:
        return False
    return "const" not in prop and len(prop.get("enum") or [0, 1]) > 1


def lenient_schema(schema: Any, defs: JSON) -> Any:
    """A copy of ``schema`` whose ``required`` lists leave out properties that admit null."""
    if isinstance(schema, list):
        return [lenient_schema(s, defs) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: lenient_schema(v, defs) if isinstance(v, (dict, list)) else v for k, v in schema.items()}
    required, props = schema.get("required"), schema.get("properties")
    if isinstance(required, list) and isinstance(props, dict):
        out["required"] = [name for name in required if not _optional_in_practice(props.get(name), defs)]
    return out


def _types(schema: Any, defs: JSON, depth: int = 0) -> set[str]:
    """The JSON types ``schema`` allows at its top (through refs and unions); empty when unconstrained."""
    if not isinstance(schema, dict) or depth > 20:
        return set()
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return _types(defs.get(ref.rsplit("/", 1)[-1]), defs, depth + 1)
    t = schema.get("type")
    found = {t} if isinstance(t, str) else set(t) if isinstance(t, list) else set()
    if "enum" in schema and not found:
        found |= {_json_type(v) for v in schema["enum"]}
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key) or []:
            found |= _types(part, defs, depth + 1)
    return found


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "null" if value is None else "string"


def _coerce(text: str, types: set[str]) -> Any:
    stripped = text.strip()
    if "boolean" in types and stripped in ("true", "false"):
        return stripped == "true"
    if "integer" in types:
        try:
            return int(stripped)
        except ValueError:
            pass
    if "number" in types:
        try:
            return float(stripped)
        except ValueError:
            pass
    if types & {"object", "array"} and stripped[:1] in ("{", "["):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError:
            pass
    return text


def _resolve(schema: Any, defs: JSON) -> Any:
    for _ in range(20):
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if not isinstance(ref, str):
            break
        schema = defs.get(ref.rsplit("/", 1)[-1], {})
    return schema


def _properties(schema: Any, defs: JSON, depth: int = 0) -> dict[str, list[Any]]:
    """Property name -> the schemas it has in ``schema`` and its union / intersection variants."""
    schema = _resolve(schema, defs)
    out: dict[str, list[Any]] = {}
    if not isinstance(schema, dict) or depth > 10:
        return out
    for name, sub in (schema.get("properties") or {}).items():
        out.setdefault(name, []).append(sub)
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key) or []:
            for name, subs in _properties(part, defs, depth + 1).items():
                out.setdefault(name, []).extend(subs)
    return out


def coerce_form_strings(body: JSON, schema: Any, defs: JSON, depth: int = 0) -> JSON:
    """``body`` with string values (nested ones too) turned into the type their field asks for, when not a string."""
    props = _properties(schema, defs)
    out = dict(body)
    for name, value in body.items():
        subs = props.get(name)
        if not subs:
            continue
        if isinstance(value, str):
            types = set().union(*(_types(sub, defs) for sub in subs))
            if types and "string" not in types:
                out[name] = _coerce(value, types)
        elif isinstance(value, dict) and depth < 10:
            out[name] = coerce_form_strings(value, {"anyOf": subs}, defs, depth + 1)
    return out
