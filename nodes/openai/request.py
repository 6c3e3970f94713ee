"""Assembling and validating one request of an operation from node properties and a message.

Precedence (DESIGN §6): body fields come from the node's properties, overridden by the fields of
``msg.payload`` (an object); a string (or a list) payload fills the operation's primary input
(``messages``, ``input`` or a required ``prompt``); bytes fill its file field. Path, query and
header parameters come from ``msg.<name>``, else ``msg.payload.<name>``, else the node property.
The assembled body is validated against the operation's schema (as loosely as the API reads it, see
``leniency``) before anything is sent; an invalid request raises ``RequestInvalidError`` naming the
field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .errors import RequestInvalidError
from .leniency import coerce_form_strings, lenient_schema
from .multipart import FilePart, form_fields, is_file_value, resolve_file

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

__all__ = ["Operation", "PreparedRequest", "build_request", "property_name"]

JSON = dict[str, Any]
RESERVED = frozenset({"id", "type", "z", "name", "wires", "x", "y", "g", "d", "l", "credentials", "config",
                      "_alias", "fetch_all", "max_pages"})


def property_name(name: str) -> str:
    """The node property holding body field or parameter ``name`` (``name`` -> ``body_name``)."""
    return "body_" + name if name in RESERVED else name


def _unset(value: Any) -> bool:
    return value is None or value == ""


@dataclass(frozen=True)
class PreparedRequest:
    """A request ready to send: bytes are kept so a retry can send it again."""

    operation: str
    method: str
    path: str
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    form: list[tuple[str, str]] | None = None
    files: list[tuple[str, FilePart]] | None = None
    admin: bool = False
    stream: bool = False
    response_kind: str = "json"

    def with_query(self, name: str, value: str) -> PreparedRequest:
        """A copy with one query parameter set (pagination cursors)."""
        query = [(k, v) for k, v in self.query if k != name] + [(name, value)]
        return PreparedRequest(self.operation, self.method, self.path, query, self.headers, self.json,
                               self.form, self.files, self.admin, self.stream, self.response_kind)


@dataclass(frozen=True)
class Operation:
    """One catalog entry plus the catalog's shared ``$defs`` (for validation)."""

    entry: JSON
    defs: JSON
    check_defs: JSON | Callable[[], JSON] | None = None
    """``lenient_schema(defs)``, or a function giving it (``node_classes`` shares one, built on first use)."""

    @property
    def operation_id(self) -> str:
        return str(self.entry["operationId"])

    @property
    def body(self) -> JSON | None:
        body: JSON | None = self.entry.get("body")
        return body

    @property
    def params(self) -> list[JSON]:
        params: list[JSON] = self.entry.get("parameters") or []
        return params

    @property
    def pagination(self) -> JSON | None:
        pag: JSON | None = self.entry["response"].get("pagination")
        return pag

    @cached_property
    def validator(self) -> Any:
        """A JSON-schema validator of the request body (built on first use)."""
        root: JSON = (self.body or {}).get("schema", {})
        ref = root.get("$ref")
        if isinstance(ref, str) and len(root) == 1:  # validate against the definition itself: no look-up per call
            root = self.defs.get(ref.rsplit("/", 1)[-1], root)
        from jsonschema import Draft202012Validator  # on first use: the process start does not pay for it

        return Draft202012Validator({**lenient_schema(root, self.defs), "$defs": self.lenient_defs})

    @cached_property
    def lenient_defs(self) -> JSON:
        """``defs`` as request validation reads them (see ``leniency``): ``check_defs`` when given."""
        check = self.check_defs
        if callable(check):
            return check()
        return check if check is not None else lenient_schema(self.defs, self.defs)


def _encode_query(name: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _encode_query(f"{name}[{k}]", v, out)
    elif isinstance(value, (list, tuple)):
        key = name if name.endswith("[]") else name + "[]"
        for item in value:
            _encode_query(key, item, out)
    elif isinstance(value, bool):
        out.append((name, "true" if value else "false"))
    elif value is not None:
        out.append((name, str(value)))


def _payload_for_primary(op: Operation, payload: Any, body: JSON) -> None:
    spec = op.body or {}
    primary = spec.get("primary")
    files = spec.get("file_fields") or []
    required = set(spec.get("required_fields") or [])
    file_field = next((f for f in files if f in required), files[0] if files else None)
    if isinstance(payload, str):
        if primary == "messages":
            body["messages"] = [{"role": "user", "content": payload}]
        elif primary:
            body[primary] = payload
        elif file_field:
            body[file_field] = payload
    elif isinstance(payload, list) and primary:  # e.g. several embedding inputs, or a message list
        body[primary] = payload
    elif isinstance(payload, (bytes, bytearray, memoryview)) and file_field:
        body[file_field] = bytes(payload)


def _assemble_body(op: Operation, props: JSON, msg: JSON, param_names: set[str]) -> JSON:
    spec = op.body or {}
    body: JSON = {}
    for name in spec.get("fields") or []:
        value = props.get(property_name(name))
        if not _unset(value):
            body[name] = value
    payload = msg.get("payload")
    if isinstance(payload, dict) and not (payload.get("type") == "Buffer" and "data" in payload):
        for key, value in payload.items():
            if key in param_names and key not in (spec.get("fields") or []):
                continue
            body[key] = value
    else:
        _payload_for_primary(op, payload, body)
    return body


def _variant_error(err: ValidationError, defs: JSON) -> ValidationError:
    """For "not valid under any" of a union whose variants are told apart by ``type``: the error inside
    the variant the value names (``{"type": "input_image", ...}`` -> what that variant is missing)."""
    from jsonschema.exceptions import best_match

    for _ in range(20):
        kind = err.instance.get("type") if isinstance(err.instance, dict) else None
        variants = err.schema.get(str(err.validator)) if isinstance(err.schema, dict) else None
        if err.validator not in ("anyOf", "oneOf") or not isinstance(kind, str) or not isinstance(variants, list):
            return err
        named = {i for i, v in enumerate(variants) if _fixes_type(v, kind, defs, 0)}
        found = best_match([e for e in err.context or [] if e.relative_schema_path
                            and e.relative_schema_path[0] in named])
        if found is None:
            return err
        err = found
    return err


def _fixes_type(schema: Any, kind: str, defs: JSON, depth: int) -> bool:
    """Does ``schema`` (or one of its union variants) require ``type`` to be ``kind``?"""
    for _ in range(20):
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if not isinstance(ref, str):
            break
        schema = defs.get(ref.rsplit("/", 1)[-1])
    if not isinstance(schema, dict) or depth > 8:
        return False
    prop = (schema.get("properties") or {}).get("type")
    for _ in range(20):
        ref = prop.get("$ref") if isinstance(prop, dict) else None
        if not isinstance(ref, str):
            break
        prop = defs.get(ref.rsplit("/", 1)[-1])
    if isinstance(prop, dict) and (prop.get("const") == kind or kind in (prop.get("enum") or [])):
        return True
    return any(_fixes_type(v, kind, defs, depth + 1) for key in ("anyOf", "oneOf") for v in schema.get(key) or [])


def _validate(op: Operation, body: JSON) -> None:
    validator = op.validator
    if next(validator.iter_errors(body), None) is None:
        return
    from jsonschema.exceptions import best_match

    err = best_match(validator.iter_errors(body))
    if err is None:
        return
    err = _variant_error(err, op.lenient_defs)
    path = [str(p) for p in err.absolute_path]
    if err.validator == "required" and "'" in err.message:
        path.append(err.message.split("'")[1])
    where = ".".join(path) or None
    raise RequestInvalidError(
        f"invalid request for {op.operation_id}: " + (f"field '{where}': " if where else "") + err.message,
        param=where,
    )


def build_request(op: Operation, props: JSON, msg: JSON, file_dir: Path | Callable[[], Path]) -> PreparedRequest:
    """The request ``msg`` asks for, or ``RequestInvalidError`` (nothing is sent then)."""
    entry = op.entry
    payload = msg.get("payload")
    param_names = {p["name"] for p in op.params}
    path = str(entry["path"])
    query: list[tuple[str, str]] = [(k, str(v)) for k, v in (entry.get("fixed_query") or {}).items()]
    headers: dict[str, str] = {}
    if entry.get("beta_header"):
        headers["OpenAI-Beta"] = str(entry["beta_header"])
    stream = False
    for p in op.params:
        name = p["name"]
        value = msg.get(name)
        if _unset(value) and isinstance(payload, dict):
            value = payload.get(name)
        if _unset(value):
            value = props.get(property_name(name))
        if _unset(value):
            if p["required"]:
                raise RequestInvalidError(
                    f"invalid request for {op.operation_id}: {p['in']} parameter '{name}' is required "
                    f"(set the node property or msg.{name})",
                    param=name,
                )
            continue
        if p["in"] == "path":
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
        elif p["in"] == "query":
            if name == "stream" and value in (True, "true"):
                stream = True
            _encode_query(name, value, query)
        elif p["in"] == "header":
            headers[name] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    spec = op.body
    json_body: Any = None
    form: list[tuple[str, str]] | None = None
    files: list[tuple[str, FilePart]] | None = None
    if spec is not None:
        body = _assemble_body(op, props, msg, param_names)
        types = spec.get("content_types") or []
        multipart = spec["encoding"] == "multipart" or (
            any(is_file_value(body.get(f)) for f in spec.get("file_fields") or [])
            and any(t.startswith("multipart/") for t in types)
        )
        if multipart:
            body = coerce_form_strings(body, spec.get("schema") or {}, op.defs)
        if body or spec.get("required"):
            _validate(op, body)
        stream = stream or body.get("stream") is True or body.get("stream_format") == "sse"
        # a file field may also take a non-file alternative (a reference object) which is a form field
        file_fields = [f for f in spec.get("file_fields") or []
                       if f in body and ((spec["encoding"] == "multipart" and not isinstance(body[f], dict))
                                         or is_file_value(body[f]))]
        if multipart:
            files = []
            filename = msg.get("filename") if isinstance(msg.get("filename"), str) else None
            root = file_dir if isinstance(file_dir, Path) else file_dir()
            for f in file_fields:
                value = body.pop(f)
                values = value if isinstance(value, list) else [value]
                part_name = f + "[]" if isinstance(value, list) else f
                files.extend((part_name, resolve_file(v, f, root, filename)) for v in values)
            form = form_fields(body)
        elif body or spec.get("required"):
            json_body = body
    return PreparedRequest(
        operation=op.operation_id,
        method=str(entry["method"]),
        path=path,
        query=query,
        headers=headers,
        json=json_body,
        form=form,
        files=files,
        admin=entry.get("auth") == "admin",
        stream=stream,
        response_kind=str(entry["response"]["kind"]),
    )
