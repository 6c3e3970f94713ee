"""JSON Schema failures reported as ajv 8 reports them (the json node's ``msg.schemaError``).

Node-RED validates with ajv (``allErrors``) and says ``JSON Schema error: `` + ``ajv.errorsText``:
each error as ``data`` + its instance path + its message, joined with ``", "``, e.g.
``data/price must be number``. We validate with jsonschema and rewrite each of its errors into
ajv's object ``{instancePath, schemaPath, keyword, params, message}`` with ajv's wording, so flows
that read ``msg.schemaError`` or match the error text behave the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import ValidationError

__all__ = ["ajv_errors", "errors_text"]

# ajv's evaluation order: type, the keywords for any type, then those for numbers, strings,
# arrays and objects, each group in the order its vocabularies add them (rules.ts, draft7.ts)
_ORDER = ("type", "const", "enum", "not", "anyOf", "oneOf", "allOf", "if", "then", "else",
          "maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum", "multipleOf",
          "maxLength", "minLength", "pattern", "format",
          "maxItems", "minItems", "uniqueItems", "additionalItems", "items", "contains",
          "maxProperties", "minProperties", "required", "dependentRequired", "propertyNames",
          "additionalProperties", "dependencies", "properties", "patternProperties")
_RANK = {k: i for i, k in enumerate(_ORDER)}
_LIMITS = {"maximum": "<=", "minimum": ">=", "exclusiveMaximum": "<", "exclusiveMinimum": ">"}
_COUNTS = {  # keyword -> (more/fewer, unit)
    "maxLength": ("more", "characters"), "minLength": ("fewer", "characters"),
    "maxItems": ("more", "items"), "minItems": ("fewer", "items"),
    "maxProperties": ("more", "properties"), "minProperties": ("fewer", "properties"),
}
_FIXED = {
    "enum": "must be equal to one of the allowed values",
    "const": "must be equal to constant",
    "anyOf": "must match a schema in anyOf",
    "oneOf": "must match exactly one schema in oneOf",
    "not": "must NOT be valid",
    "propertyNames": "property name must be valid",
    "false": "boolean schema is false",
}


def errors_text(errors: Iterable[dict[str, Any]]) -> str:
    """``ajv.errorsText(errors)``: ``data<instancePath> <message>``, comma-separated."""
    return ", ".join(f"data{e['instancePath']} {e['message']}" for e in errors)


def ajv_errors(errors: Iterable[ValidationError]) -> list[dict[str, Any]]:
    """ajv's error objects for jsonschema's errors (one per missing or extra property, as ajv).

    jsonschema reports in the schema's key order; ajv in its own keyword order (``_ORDER``): the
    errors are put in ajv's order by the keyword of the schema they start from.
    """
    ordered = sorted(errors, key=lambda e: _RANK.get(str(e.absolute_schema_path[0]), len(_ORDER))
                     if e.absolute_schema_path else len(_ORDER))
    return [item for e in ordered for item in _convert(e)]


def _pointer(parts: Iterable[Any]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _js(value: Any) -> str:
    """A schema value as JavaScript's template string shows it (arrays joined with commas)."""
    if isinstance(value, list):
        return ",".join(_js(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _convert(e: ValidationError) -> Iterator[dict[str, Any]]:
    keyword = str(e.validator)
    value: Any = e.validator_value
    path = _pointer(e.absolute_path)
    schema_path = "#" + _pointer(e.absolute_schema_path)

    def error(message: str, params: dict[str, Any], kw: str = keyword) -> dict[str, Any]:
        return {"instancePath": path, "schemaPath": schema_path, "keyword": kw, "params": params,
                "message": message}

    instance = e.instance
    if keyword == "type":
        yield error(f"must be {_js(value)}", {"type": value})
    elif keyword == "required":  # jsonschema: one error per missing name, as ajv with allErrors
        name = next((n for n in value if e.message == f"{n!r} is a required property"), None)
        if name is not None:
            yield error(f"must have required property '{name}'", {"missingProperty": name})
        else:
            yield error(e.message, {})
    elif keyword == "additionalProperties":
        for name in _extra_properties(e):
            yield error("must NOT have additional properties", {"additionalProperty": name})
    elif keyword in _LIMITS:
        yield error(f"must be {_LIMITS[keyword]} {_js(value)}", {"comparison": _LIMITS[keyword], "limit": value})
    elif keyword in _COUNTS:
        comp, unit = _COUNTS[keyword]
        yield error(f"must NOT have {comp} than {_js(value)} {unit}", {"limit": value})
    elif keyword == "pattern":
        yield error(f'must match pattern "{value}"', {"pattern": value})
    elif keyword == "format":
        yield error(f'must match format "{value}"', {"format": value})
    elif keyword == "multipleOf":
        yield error(f"must be multiple of {_js(value)}", {"multipleOf": value})
    elif keyword == "uniqueItems":
        i, j = _duplicate(instance)
        yield error(f"must NOT have duplicate items (items ## {j} and {i} are identical)", {"i": i, "j": j})
    elif keyword in ("dependentRequired", "dependencies") and isinstance(value, dict):
        yield from _dependencies(e, value, error)
    elif keyword == "contains":
        yield error("must contain at least 1 valid item(s)", {"minContains": 1})
    elif keyword in ("if", "then", "else"):
        yield error(f'must match "{keyword}" schema', {"failingKeyword": keyword}, "if")
    elif keyword in _FIXED:
        yield error(_FIXED[keyword], _fixed_params(keyword, value))
    else:  # a keyword ajv words differently or not at all: jsonschema's own text
        yield error(e.message, {})


def _fixed_params(keyword: str, value: Any) -> dict[str, Any]:
    if keyword == "enum":
        return {"allowedValues": value}
    if keyword == "const":
        return {"allowedValue": value}
    if keyword == "oneOf":
        return {"passingSchemas": None}
    return {}


def _extra_properties(e: ValidationError) -> list[str]:
    instance = e.instance if isinstance(e.instance, dict) else {}
    schema = e.schema if isinstance(e.schema, dict) else {}
    known = schema.get("properties") or {}
    patterns = list((schema.get("patternProperties") or {}).keys())
    return [k for k in instance if k not in known and not any(re.search(p, k) for p in patterns)]


def _duplicate(instance: Any) -> tuple[int, int]:
    """ajv's (i, j): the later item ``i`` and the earlier ``j`` it repeats."""
    items = instance if isinstance(instance, list) else []
    for i in range(len(items)):
        for j in range(i):
            if items[i] == items[j] and type(items[i]) is type(items[j]):
                return i, j
    return 0, 0


def _dependencies(e: ValidationError, value: dict[str, Any],
                  error: Callable[[str, dict[str, Any]], dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """jsonschema: one error per missing dependency, worded "'b' is a dependency of 'a'"."""
    for prop, deps in value.items():
        if not isinstance(deps, list):
            continue
        for name in deps:
            if e.message == f"{name!r} is a dependency of {prop!r}":
                noun = "property" if len(deps) == 1 else "properties"
                yield error(f"must have {noun} {', '.join(map(str, deps))} when property {prop} is present",
                            {"property": prop, "missingProperty": name, "depsCount": len(deps),
                             "deps": ", ".join(map(str, deps))})
                return
    yield error(e.message, {})
