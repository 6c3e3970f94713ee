"""Reading an OpenAPI document: loading, ``$ref`` look-up and schema normalisation.

Normalised schemas keep structure only (types, properties, enums, bounds, defaults) and drop the
spec's prose. They are plain JSON Schema 2020-12 so ``jsonschema`` can validate requests:

* OpenAPI 3.0 ``nullable: true`` becomes a ``"null"`` type (or an ``anyOf`` with null);
* ``oneOf`` becomes ``anyOf`` (the spec's unions overlap, strict one-of rejects valid requests);
* ``required`` names an object does not define are dropped (spec bugs);
* response-only properties are not required: ``readOnly: true`` ones (OpenAPI: their ``required``
  applies to responses only), and those whose text says the API returns them ("returned by the
  API"). The spec shares some response-shaped schemas with request bodies without marking them
  readOnly, e.g. the realtime session object's ``client_secret``, which only the answer carries;
* a required enum property whose text states its default ("Defaults to `auto`") gets that ``default``;
* boolean ``exclusiveMinimum``/``exclusiveMaximum`` (3.0) become numeric bounds;
* ``{type: string, format: binary}`` becomes ``{"x-file": true}`` (a file part: bytes or a path);
* ``$ref`` to ``#/components/schemas/X`` becomes ``#/$defs/<prefix>X``: recursion stays a reference.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["SchemaNormalizer", "deref", "load_spec"]

JSON = dict[str, Any]

_KEEP = (
    "type", "enum", "const", "minimum", "maximum", "multipleOf", "minLength", "maxLength",
    "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "format", "default",
    "deprecated",
)
_SCHEMA_REF = "#/components/schemas/"


# YAML 1.2 floats whose exponent has no sign (``9.223372036854776e18``, ``1e3``): PyYAML reads
# YAML 1.1, where they are strings, and a string ``maximum`` made the chat completion schema invalid.
# Dates stay strings too (1.2 has no timestamps), as in the JSON spec.
_YAML12_EXPONENT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$")


def _yaml_loader() -> Any:
    """PyYAML's safe loader (the C one when built), numbers read as YAML 1.2 reads them."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolvers = {first: [(tag, rx) for tag, rx in pairs if tag != "tag:yaml.org,2002:timestamp"]
                 for first, pairs in base.yaml_implicit_resolvers.items()}
    loader: Any = type("SpecLoader", (base,), {"yaml_implicit_resolvers": resolvers})
    loader.add_implicit_resolver("tag:yaml.org,2002:float", _YAML12_EXPONENT, list("-+.0123456789"))
    return loader


def load_spec(path: str | Path) -> JSON:
    """Load a spec from JSON (fast) or YAML (needs PyYAML; numbers as in YAML 1.2)."""
    p = Path(path)
    data = p.read_bytes()
    if p.suffix == ".json":
        doc = json.loads(data)
    else:
        import yaml

        doc = yaml.load(data, Loader=_yaml_loader())
    if not isinstance(doc, dict) or "paths" not in doc:
        raise ValueError(f"{path} is not an OpenAPI document (no 'paths')")
    return doc


def deref(doc: JSON, node: Any, limit: int = 32) -> Any:
    """Follow local ``$ref``s until a non-reference node (bounded)."""
    for _ in range(limit):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return node
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"external $ref not supported: {ref}")
        cur: Any = doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            cur = cur.get(part) if isinstance(cur, dict) else None
        if cur is None:
            raise ValueError(f"dangling $ref {ref}")
        node = cur
    raise ValueError("$ref chain too long")


class SchemaNormalizer:
    """Normalises schemas of one spec; collects every component schema it references.

    ``defs`` maps ``prefix + name`` to the normalised component; ``name_for`` lets a caller rename
    a component (the legacy spec reuses names whose shapes changed).
    """

    def __init__(self, doc: JSON, name_for: Callable[[str], str] | None = None) -> None:
        self.doc = doc
        self.defs: dict[str, JSON] = {}
        self._name_for = name_for or (lambda n: n)
        self._pending: list[str] = []
        self._seen: set[str] = set()

    def normalize(self, schema: Any) -> JSON:
        """One schema, with component references rewritten (and queued for ``defs``)."""
        out = self._norm(schema)
        self._drain()
        return out

    def def_name(self, component: str) -> str:
        return self._name_for(component)

    # --- internals ---
    def _drain(self) -> None:
        for _ in range(100_000):  # bounded: each component is converted once
            if not self._pending:
                return
            comp = self._pending.pop()
            raw = (self.doc.get("components") or {}).get("schemas", {}).get(comp)
            if raw is None:
                raise ValueError(f"dangling $ref {_SCHEMA_REF}{comp}")
            self.defs[self._name_for(comp)] = self._norm(raw)
        raise ValueError("too many component schemas")

    def _ref(self, ref: str) -> JSON:
        if ref.startswith(_SCHEMA_REF):
            comp = ref[len(_SCHEMA_REF):]
            if comp not in self._seen:
                self._seen.add(comp)
                self._pending.append(comp)
            return {"$ref": "#/$defs/" + self._name_for(comp)}
        return self._norm(deref(self.doc, {"$ref": ref}))

    def _norm(self, schema: Any) -> JSON:
        if schema is True or not isinstance(schema, dict):
            return {}
        if schema is False:
            return {"not": {}}
        out: JSON = {}
        if isinstance(schema.get("$ref"), str):
            out.update(self._ref(schema["$ref"]))
        if schema.get("type") == "string" and schema.get("format") == "binary":
            return {"x-file": True}
        for key in _KEEP:
            if key in schema:
                out[key] = schema[key]
        if isinstance(out.get("type"), list) and "string" in out["type"] and schema.get("format") == "binary":
            return {"x-file": True}
        for key in ("exclusiveMinimum", "exclusiveMaximum"):
            val = schema.get(key)
            if isinstance(val, bool):
                bound = "minimum" if key == "exclusiveMinimum" else "maximum"
                if val and bound in out:
                    out[key] = out.pop(bound)
            elif isinstance(val, (int, float)):
                out[key] = val
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and _compiles(pattern):
            out["pattern"] = pattern
        props = schema.get("properties")
        if isinstance(props, dict):
            out["properties"] = {k: self._norm(v) for k, v in props.items()}
            for name in schema.get("required") or []:
                stated = self._stated_default(props.get(name))
                if stated is not None and name in out["properties"]:
                    out["properties"][name] = {**out["properties"][name], "default": stated}
        if "items" in schema:
            out["items"] = self._norm(schema["items"])
        if isinstance(schema.get("prefixItems"), list):
            out["prefixItems"] = [self._norm(s) for s in schema["prefixItems"]]
        addl = schema.get("additionalProperties")
        if isinstance(addl, bool):
            out["additionalProperties"] = addl
        elif isinstance(addl, dict):
            out["additionalProperties"] = self._norm(addl)
        for key in ("allOf", "anyOf", "oneOf"):
            subs = schema.get(key)
            if isinstance(subs, list) and subs:
                target = "allOf" if key == "allOf" else "anyOf"
                out.setdefault(target, []).extend(self._norm(s) for s in subs)
        if isinstance(schema.get("not"), dict):
            out["not"] = self._norm(schema["not"])
        req = schema.get("required")
        if isinstance(req, list) and req:
            composed = any(k in schema for k in ("allOf", "anyOf", "oneOf", "$ref"))
            names = [r for r in req if isinstance(r, str)]
            if isinstance(props, dict) and not composed:
                names = [r for r in names if r in props]
            if isinstance(props, dict):
                names = [r for r in names if not self._response_only(props.get(r))]
            if names:
                out["required"] = names
        if schema.get("nullable") is True:
            out = _nullable(out)
        return out


    def _response_only(self, prop: Any) -> bool:
        """Is ``prop`` a property only responses carry (``readOnly``, or "returned by the API")?"""
        if not isinstance(prop, dict):
            return False
        target = deref(self.doc, prop)
        for schema in (prop, target):
            if isinstance(schema, dict) and schema.get("readOnly") is True:
                return True
        text = prop.get("description")
        return isinstance(text, str) and _RETURNED_BY_API.search(text) is not None

    def _stated_default(self, prop: Any) -> str | None:
        """The default a required enum property's text names ("Defaults to `auto`"), when it has no ``default``.

        Only a value of the property's own enum counts, so nothing but a fact of the schema is kept.
        """
        if not isinstance(prop, dict) or "default" in prop or not isinstance(prop.get("description"), str):
            return None
        found = _STATED_DEFAULT.search(prop["description"])
        enum = deref(self.doc, prop).get("enum") if isinstance(deref(self.doc, prop), dict) else None
        if found is None or not isinstance(enum, list) or found.group(1) not in enum:
            return None
        return found.group(1)


_STATED_DEFAULT = re.compile(r"Defaults to `([^`]+)`")
_RETURNED_BY_API = re.compile(r"\breturned by the API\b")


def _nullable(schema: JSON) -> JSON:
    t = schema.get("type")
    if isinstance(t, str) and "$ref" not in schema and "anyOf" not in schema and "allOf" not in schema:
        schema = {**schema, "type": [t, "null"]}
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return schema
    if isinstance(t, list):
        if "null" not in t:
            schema = {**schema, "type": [*t, "null"]}
        return schema
    if not schema:
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True
