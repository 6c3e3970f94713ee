"""The operation catalog: one entry per OpenAI REST operation, generated from the OpenAPI spec.

Build (the spec files are data, never committed)::

    python -m flowengine.nodes.openai.catalog build --spec openapi-current.json \\
        [--legacy openapi-2023-11-08.yaml] [-o nodes/openai/catalog.json]

Each entry holds structure only: operationId, node type, method, path, group, parameters, the
request body schema (normalised; component references point into the catalog's shared ``$defs``),
response kind, flags (deprecated, legacy, beta, removed_upstream), auth (key/admin), the
``OpenAI-Beta`` header the official SDK sends, and a link to the API reference page (``reference``). Operations of
``--legacy`` that the current spec no longer has are added with ``removed_upstream: true``.
Running the generator on a newer spec regenerates the node set: nothing here names an operation.
The build also updates the record of operations seen (``aliases``, ``--seen``): an operation whose
id changed keeps its old node type as an alias (``catalog["aliases"]``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from .aliases import SEEN_PATH, aliases_of, load_seen, record_seen, save_seen
from .reference import ReferenceLinks, group_of
from .response_shape import response_shape
from .spec import SchemaNormalizer, deref, load_spec

__all__ = ["build_catalog", "kebab", "load_catalog", "main", "node_type"]

JSON = dict[str, Any]
METHODS = ("get", "post", "put", "patch", "delete")
CATALOG_PATH = Path(__file__).with_name("catalog.json")

# The OpenAI-Beta header the official SDK adds per resource (the spec does not declare it). Not
# realtime: the SDK sends ``realtime=v1`` only when opening the beta Realtime WebSocket, never on the
# realtime REST operations (client secrets, sessions, calls), which are all this catalog has.
BETA_HEADERS = {
    "assistants": "assistants=v2",
    "threads": "assistants=v2",
    "vector_stores": "assistants=v2",
    "chatkit": "chatkit_beta=v1",
}
LEGACY_BETA_HEADERS = {"assistants": "assistants=v1", "threads": "assistants=v1"}
# Inputs a string msg.payload fills, in order of preference (DESIGN §6).
PRIMARY_INPUTS = ("messages", "input", "prompt")


def kebab(operation_id: str) -> str:
    """DESIGN §6 rule: ``createChatCompletion`` -> ``create-chat-completion``."""
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", operation_id).replace("_", "-").lower()
    return re.sub(r"-+", "-", s).strip("-")


def node_type(operation_id: str) -> str:
    """The node type name of an operation."""
    return "openai-" + kebab(operation_id)


def load_catalog(path: str | Path | None = None) -> JSON:
    """The committed catalog (or another one)."""
    with open(path or CATALOG_PATH, encoding="utf-8") as fh:
        data: JSON = json.load(fh)
    return data


# --- building ---------------------------------------------------------------------------------


def _normalize_path(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _short_summary(op: JSON, operation_id: str) -> str:
    name = (op.get("x-oaiMeta") or {}).get("name")
    if isinstance(name, str) and name.strip():
        return name.strip()
    text = str(op.get("summary") or "").strip().splitlines()
    first = text[0].strip() if text else ""
    if first and len(first) <= 100 and "[" not in first:
        return first.rstrip(".")
    return kebab(operation_id).replace("-", " ").capitalize()


def _flatten_fields(norm: SchemaNormalizer, schema: JSON, depth: int = 0) -> tuple[dict[str, JSON], set[str]]:
    """Top-level body fields (through allOf/anyOf/$ref) and the always-required ones."""
    if depth > 8:
        return {}, set()
    if "$ref" in schema:
        target = norm.defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
        fields, req = _flatten_fields(norm, target, depth + 1)
    else:
        fields, req = {}, set()
    fields.update(schema.get("properties") or {})
    req.update(schema.get("required") or [])
    for sub in schema.get("allOf") or []:
        f, r = _flatten_fields(norm, sub, depth + 1)
        fields.update({k: v for k, v in f.items() if k not in fields})
        req |= r
    variants = [_flatten_fields(norm, sub, depth + 1) for sub in schema.get("anyOf") or []]
    for f, _ in variants:
        fields.update({k: v for k, v in f.items() if k not in fields})
    if variants:  # a field is required only when every variant requires it
        req |= set.intersection(*(r for _, r in variants))
    return fields, req


def _is_file(schema: JSON) -> bool:
    if schema.get("x-file"):
        return True
    items = schema.get("items")
    if isinstance(items, dict) and items.get("x-file"):
        return True
    return any(_is_file(s) for s in schema.get("anyOf") or [] if isinstance(s, dict))


def _body(doc: JSON, norm: SchemaNormalizer, op: JSON) -> JSON | None:
    rb = deref(doc, op.get("requestBody"))
    if not isinstance(rb, dict) or not rb.get("content"):
        return None
    content = rb["content"]
    types = list(content)
    chosen = next((t for t in types if t == "application/json"), None) or next(
        (t for t in types if t.startswith("multipart/")), types[0]
    )
    multipart_type = next((t for t in types if t.startswith("multipart/")), None)
    # json and multipart: validate against the multipart schema when it has file fields
    schema_src = (content.get(multipart_type) or content[chosen]).get("schema") or {}
    json_src = (content.get("application/json") or {}).get("schema")
    schema = _resolve_root(norm, norm.normalize(schema_src))
    fields, required = _flatten_fields(norm, schema)
    if json_src is not None and multipart_type:
        json_schema = _resolve_root(norm, norm.normalize(json_src))
        jf, jr = _flatten_fields(norm, json_schema)
        fields.update({k: v for k, v in jf.items() if k not in fields})
        required &= jr
        schema = {"anyOf": [schema, json_schema]}
    files = sorted(name for name, s in fields.items() if _is_file(_resolve_shallow(norm, s)))
    encoding = "multipart" if chosen.startswith("multipart/") else "json" if chosen == "application/json" else "raw"
    # "prompt" is the primary input only where it is required (images); audio's optional prompt is not
    primary = next((p for p in PRIMARY_INPUTS if p in fields and (p != "prompt" or p in required)), None)
    return {
        "content_types": types,
        "encoding": encoding,
        "required": bool(rb.get("required")),
        "schema": schema,
        "fields": sorted(fields),
        "required_fields": sorted(required & set(fields)),
        "file_fields": files,
        "primary": primary,
    }


def _resolve_root(norm: SchemaNormalizer, schema: JSON) -> JSON:
    """The body schema itself at the top (a copy of its definition); nested references stay in $defs."""
    for _ in range(8):
        ref = schema.get("$ref")
        if not (isinstance(ref, str) and len(schema) == 1):
            return schema
        schema = dict(norm.defs.get(ref.rsplit("/", 1)[-1], schema))
    return schema


def _resolve_shallow(norm: SchemaNormalizer, schema: JSON) -> JSON:
    if "$ref" in schema:
        return norm.defs.get(schema["$ref"].rsplit("/", 1)[-1], schema)
    return schema


def _params(doc: JSON, norm: SchemaNormalizer, path_item: JSON, op: JSON) -> list[JSON]:
    out: dict[tuple[str, str], JSON] = {}
    for raw in (path_item.get("parameters") or []) + (op.get("parameters") or []):
        p = deref(doc, raw)
        entry: JSON = {
            "name": p["name"],
            "in": p["in"],
            "required": bool(p.get("required") or p["in"] == "path"),
            "schema": norm.normalize(p.get("schema") or {}),
        }
        if p.get("style"):
            entry["style"] = p["style"]
        if "explode" in p:
            entry["explode"] = bool(p["explode"])
        out[(p["in"], p["name"])] = entry
    return list(out.values())


def _operations(doc: JSON, norm: SchemaNormalizer, legacy: bool) -> list[JSON]:
    ops = []
    global_auth = doc.get("security") or []
    links = ReferenceLinks(doc)
    for raw_path, item in (doc.get("paths") or {}).items():
        item = deref(doc, item)
        path, _, qs = raw_path.partition("?")
        fixed_query = dict(kv.split("=", 1) for kv in qs.split("&") if "=" in kv)
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            op_id = op.get("operationId") or f"{method}_{path}"
            meta = op.get("x-oaiMeta") or {}
            group = group_of(path, meta)
            sec = op.get("security", global_auth) or []
            auth = "admin" if any("AdminApiKeyAuth" in s for s in sec) else "key"
            params = _params(doc, norm, item, op)
            body = _body(doc, norm, op)
            beta_table = LEGACY_BETA_HEADERS if legacy else BETA_HEADERS
            ops.append({
                "operationId": op_id,
                "type": node_type(op_id),
                "method": method.upper(),
                "path": path,
                "fixed_query": fixed_query,
                "group": group,
                "tag": (op.get("tags") or [""])[0],
                "summary": _short_summary(op, op_id),
                "reference": links.url(op_id, path, meta),
                "auth": auth,
                "beta_header": beta_table.get(group),
                "deprecated": bool(op.get("deprecated")),
                "legacy": bool(meta.get("legacy")),
                "beta": bool(meta.get("beta")) or any(p["in"] == "header" and p["name"].lower() == "openai-beta"
                                                     for p in params),
                "removed_upstream": False,
                "parameters": params,
                "body": body,
                "response": response_shape(doc, method, path, op, body, params),
            })
    return ops


def _source(path: Path, doc: JSON) -> JSON:
    info = doc.get("info") or {}
    return {
        "file": path.name,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "openapi": doc.get("openapi"),
        "version": info.get("version"),
    }


def build_catalog(spec: str | Path, legacy: str | Path | None = None,
                  seen: dict[str, list[str]] | None = None) -> JSON:
    """The catalog of ``spec``, plus ``legacy``'s operations the current spec no longer has, plus the
    aliases the record of operations ``seen`` gives (see ``aliases``)."""
    doc = load_spec(spec)
    norm = SchemaNormalizer(doc)
    ops = _operations(doc, norm, legacy=False)
    defs = _reachable(norm.defs, _collect_refs(ops))
    catalog: JSON = {"format": 1, "generator": "flowengine.nodes.openai.catalog", "source": _source(Path(spec), doc)}
    if legacy:
        ldoc = load_spec(legacy)
        lnorm = SchemaNormalizer(ldoc, name_for=lambda n: "legacy." + n)
        present = {(o["method"], _normalize_path(o["path"])) for o in ops}
        for op in _operations(ldoc, lnorm, legacy=True):
            if (op["method"], _normalize_path(op["path"])) not in present:
                op["removed_upstream"] = True
                ops.append(op)
        used = _collect_refs([o for o in ops if o["removed_upstream"]])
        defs.update(_reachable(lnorm.defs, used))
        catalog["legacy_source"] = _source(Path(legacy), ldoc)
    types: dict[str, str] = {}
    for op in ops:
        if op["type"] in types:
            raise ValueError(f"node type {op['type']} given by both {types[op['type']]} and {op['operationId']}")
        types[op["type"]] = op["operationId"]
    catalog["aliases"] = aliases_of(seen or {}, ops, node_type)
    catalog["operations"] = ops
    catalog["$defs"] = dict(sorted(defs.items()))
    return catalog


def _collect_refs(node: Any, out: set[str] | None = None) -> set[str]:
    out = set() if out is None else out
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            ref = cur.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                out.add(ref[len("#/$defs/"):])
            stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(cur)
    return out


def _reachable(defs: dict[str, JSON], roots: set[str]) -> dict[str, JSON]:
    out: dict[str, JSON] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in out or name not in defs:
            continue
        out[name] = defs[name]
        todo.extend(_collect_refs(defs[name]) - set(out))
    return out


def main(argv: list[str] | None = None) -> int:
    """CLI: ``build`` writes the catalog; ``summary`` prints counts of an existing one."""
    ap = argparse.ArgumentParser(prog="python -m flowengine.nodes.openai.catalog")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="generate the catalog from an OpenAPI spec")
    b.add_argument("--spec", required=True)
    b.add_argument("--legacy", help="an older spec whose removed operations are kept (removed_upstream)")
    b.add_argument("-o", "--output", default=str(CATALOG_PATH))
    b.add_argument("--seen", help="the record of operations seen, read and updated (default: "
                                  f"{SEEN_PATH.name} next to the output)")
    s = sub.add_parser("summary", help="print operation counts of a catalog")
    s.add_argument("catalog", nargs="?", default=str(CATALOG_PATH))
    args = ap.parse_args(argv)
    if args.cmd == "build":
        seen_path = Path(args.seen) if args.seen else Path(args.output).with_name(SEEN_PATH.name)
        seen = load_seen(seen_path)
        catalog = build_catalog(args.spec, args.legacy, seen)
        save_seen(record_seen(seen, catalog["operations"]), seen_path)
        text = json.dumps(catalog, indent=1, sort_keys=False, ensure_ascii=False)
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        print(f"{len(catalog['operations'])} operations, {len(catalog['$defs'])} schemas, "
              f"{len(catalog['aliases'])} aliases -> {args.output}")
    else:
        catalog = load_catalog(args.catalog)
        ops = catalog["operations"]
        print(f"{len(ops)} operations; removed_upstream {sum(o['removed_upstream'] for o in ops)}; "
              f"admin {sum(o['auth'] == 'admin' for o in ops)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
